"""The contract between the render pipeline and a picture engine (VQGAN+CLIP or draft).

The pipeline (schedule, cache, interpolation, export) only talks to `Engine`; an engine only
sees `KeyframeSpec`s. Latents are torch tensors of shape (1, C, h, w) on the CPU at the
boundary, float32; engines may move them to their device internally.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

ENGINE_VERSION = "3"  # bump when a change alters pictures for identical inputs (2: frames show quantised
# latents; 3: downscaled cutouts antialiased)

StepCallback = Callable[[int, int, float], bool | None]
"""callback(step, total_steps, loss) -> True to cancel (the engine raises Cancelled)."""


@dataclass(frozen=True)
class WeightedPrompt:
    """One text prompt with its weight; negative weights push the picture away. `stop`: the
    signed distance (sign of the weight times the CLIP distance) never counts below it, as in
    the VQGAN+CLIP notebooks; -inf (the default) means no stop."""

    text: str
    weight: float = 1.0
    stop: float = -math.inf

    def as_dict(self) -> dict:
        """The hashed form; `stop` only when set, so keys without stops stay as they were."""
        d = {"text": self.text, "weight": self.weight}
        if self.stop != -math.inf:
            d["stop"] = self.stop
        return d


@dataclass(frozen=True)
class KeyframeSpec:
    """Everything that shapes one keyframe's picture: the fields every engine shares, plus the
    engine's own parameters (`params`, from its registry entry's `key_params`). Hashed (with
    the engine identity and the init latent's key) into the keyframe cache key."""

    prompts: tuple[WeightedPrompt, ...]
    width: int
    height: int
    seed: int
    iterations: int
    init_key: str | None = None  # cache key of the keyframe we warm-start from; None = random(seed)
    params: tuple[tuple[str, Any], ...] = ()  # the engine's own, sorted by name

    @classmethod
    def make(cls, prompts, width: int, height: int, seed: int, iterations: int, *,
             init_key: str | None = None, **params) -> "KeyframeSpec":
        """A spec with the engine's parameters given as keywords."""
        return cls(tuple(prompts), width, height, seed, iterations, init_key, tuple(sorted(params.items())))

    def param(self, name: str, default: Any = None) -> Any:
        """One of the engine's parameters (`default` when the spec has none by that name)."""
        for key, value in self.params:
            if key == name:
                return value
        return default

    def as_dict(self) -> dict:
        """The hashed form: shared fields and the engine's parameters side by side (the same
        dict format 1 hashed for VQGAN+CLIP, so its keys did not change)."""
        d = {"prompts": [p.as_dict() for p in self.prompts], "width": self.width, "height": self.height,
             "seed": self.seed, "iterations": self.iterations, "init_key": self.init_key}
        for key, value in self.params:
            if key in d:
                raise ValueError(f"engine parameter {key!r} clashes with a shared keyframe field")
            d[key] = value
        return d


class Engine(Protocol):
    """A picture engine. Implementations: `VqganClipEngine`, `DraftEngine`."""

    name: str

    def identity(self) -> dict[str, str]:
        """Model ids, weight hashes and ENGINE_VERSION: everything about the engine that
        changes pictures. Goes into every cache key."""
        ...

    def random_latent(self, spec: KeyframeSpec) -> "torch.Tensor":  # noqa: F821
        """A seeded random starting latent for `spec` (same seed -> same tensor)."""
        ...

    def keyframe(
        self, spec: KeyframeSpec, init: "torch.Tensor", callback: StepCallback | None = None  # noqa: F821
    ) -> "torch.Tensor":  # noqa: F821
        """Optimise `init` for `spec.iterations` steps towards `spec.prompts`; return the latent."""
        ...

    def quantise(self, z: "torch.Tensor") -> "torch.Tensor":  # noqa: F821
        """The latent of what the engine scored (VQGAN: nearest codebook rows); frames and
        previews decode this, in-betweens blend it. Engines without a discrete latent return z."""
        ...

    def decode(self, z: "torch.Tensor") -> np.ndarray:  # noqa: F821
        """Decode latents (N, C, h, w) as given -> uint8 (N, H, W, 3)."""
        ...
