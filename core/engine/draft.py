"""The draft engine (DESIGN §3.6): weight-free, instant, deterministic pictures.

The "latent" is a small RGB colour field (1, 3, 8, w) in [0, 1]. A prompt's target field is
built from the colour words it contains (a named-colour lexicon) plus colours hashed from its
text, laid out as soft blobs over a gradient; blob positions wander a little with the
keyframe's seed so consecutive keyframes of a block drift. "Optimisation" moves the field a
fraction `learning_rate` towards the target per iteration, so warm starts visibly flow from one
lyric's colours to the next. Decoding upsamples the field smoothly and adds a vignette.
"""

from __future__ import annotations

import colorsys
import hashlib
import re

import numpy as np
import torch

from dreamreel.core.engine.base import KeyframeSpec, StepCallback
from dreamreel.core.engine.draft_entry import DRAFT_VERSION, draft_identity  # noqa: F401 (re-exported)
from dreamreel.core.errors import Cancelled
GRID = 8  # latent rows; columns follow the aspect ratio

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40), "crimson": (180, 20, 60), "scarlet": (240, 50, 30), "blood": (130, 10, 20),
    "rose": (240, 110, 150), "pink": (250, 150, 190), "orange": (250, 140, 30), "amber": (255, 180, 40),
    "gold": (240, 190, 60), "golden": (240, 190, 60), "yellow": (250, 225, 60), "sun": (255, 205, 90),
    "sunset": (250, 110, 70), "dawn": (250, 170, 140), "fire": (255, 90, 20), "flame": (255, 120, 30),
    "green": (60, 170, 80), "forest": (30, 100, 50), "emerald": (20, 150, 100), "moss": (100, 130, 60),
    "leaf": (90, 170, 60), "blue": (50, 90, 220), "ocean": (20, 90, 160), "sea": (30, 110, 170),
    "sky": (120, 180, 240), "azure": (60, 150, 240), "navy": (20, 30, 90), "teal": (20, 140, 140),
    "ice": (190, 225, 245), "water": (60, 130, 190), "wave": (40, 120, 180), "waves": (40, 120, 180),
    "purple": (130, 50, 170), "violet": (150, 80, 220), "lavender": (180, 160, 230),
    "night": (15, 20, 50), "midnight": (10, 10, 40), "dark": (20, 20, 30), "shadow": (35, 30, 45),
    "storm": (70, 80, 100), "rain": (100, 115, 135), "smoke": (120, 120, 125), "grey": (128, 128, 128),
    "gray": (128, 128, 128), "silver": (190, 195, 205), "white": (240, 240, 240), "snow": (235, 240, 250),
    "light": (250, 240, 210), "black": (10, 10, 10), "brown": (120, 75, 40), "earth": (110, 80, 50),
    "sand": (220, 195, 140), "desert": (220, 170, 100), "neon": (60, 255, 200), "electric": (90, 160, 255),
    "lighthouse": (250, 230, 150), "moon": (210, 215, 230), "star": (250, 245, 200), "stars": (250, 245, 200),
}
_WORD = re.compile(r"[a-z]+")


def _hash_int(*parts) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()[:8], "big")


def _hash_colour(text: str, n: int) -> tuple[int, int, int]:
    h = _hash_int(text, n)
    hue = (h % 1000) / 1000.0
    sat = 0.45 + ((h >> 10) % 400) / 1000.0
    val = 0.55 + ((h >> 20) % 400) / 1000.0
    return tuple(int(255 * c) for c in colorsys.hsv_to_rgb(hue, sat, val))


def palette(spec: KeyframeSpec, size: int = 4) -> list[tuple[int, int, int]]:
    """The target colours of a spec: colour words of its positive prompts (in order, weighted
    prompts first), topped up with colours hashed from the text."""
    positive = [p for p in spec.prompts if p.weight > 0]
    positive.sort(key=lambda p: -p.weight)
    found: list[tuple[int, int, int]] = []
    for p in positive:
        for word in _WORD.findall(p.text.lower()):
            c = COLOURS.get(word)
            if c and c not in found:
                found.append(c)
    text = " | ".join(p.text for p in positive)
    n = 0
    while len(found) < size:
        found.append(_hash_colour(text, n))
        n += 1
    return found[:size]


def target_field(spec: KeyframeSpec, gh: int, gw: int) -> torch.Tensor:
    """The colour field (1, 3, gh, gw) a spec pulls towards: blobs over a gradient."""
    cols = torch.tensor(palette(spec), dtype=torch.float32) / 255.0
    text = " | ".join(p.text for p in spec.prompts)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, gh), torch.linspace(0, 1, gw), indexing="ij")
    # Background: a vertical gradient between the last colours, darker at the bottom.
    field = cols[-1].view(3, 1, 1) * (1 - yy) * 0.8 + cols[-2].view(3, 1, 1) * yy * 0.5
    wander = np.random.default_rng(spec.seed)
    jitter = wander.normal(0, 0.06, size=(len(cols) - 1, 2))
    # Paint the least important colour first so the prompt's main colour ends up on top.
    for i in reversed(range(len(cols) - 1)):
        c = cols[i]
        h = _hash_int(text, "blob", i)
        cy = 0.2 + 0.6 * ((h % 997) / 997.0) + jitter[i, 0]
        cx = 0.2 + 0.6 * (((h >> 12) % 991) / 991.0) + jitter[i, 1]
        r = (0.22 + 0.12 * (((h >> 24) % 97) / 97.0)) * (1.25 if i == 0 else 1.0)
        w = torch.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
        field = field * (1 - w) + c.view(3, 1, 1) * w
    return field.clamp(0, 1).unsqueeze(0)


class DraftEngine:
    """Weight-free `Engine`: colour fields from prompt words. Renders at (width, height)."""

    name = "draft"
    marks_draft = True  # frames burn the lyrics and a "draft" mark in (see frames.iter_frames)

    def __init__(self, width: int = 256, height: int = 256):
        self.width, self.height = int(width), int(height)
        self.grid = (GRID, max(2, int(round(GRID * self.width / self.height))))
        # Bicubic upsampling is separable: two small matrices make decode a cheap einsum.
        self._ry = _upsample_matrix(self.grid[0], self.height)
        self._rx = _upsample_matrix(self.grid[1], self.width)
        yy, xx = torch.meshgrid(
            torch.linspace(-1, 1, self.height), torch.linspace(-1, 1, self.width), indexing="ij"
        )
        self._vignette = 1.0 - 0.35 * (xx**2 + yy**2).clamp(max=2.0) / 2.0

    @classmethod
    def from_settings(cls, settings) -> "DraftEngine":
        """Build for a project's RenderSettings (only the size matters)."""
        return cls(settings.width, settings.height)

    def identity(self) -> dict[str, str]:
        return draft_identity()

    def _check(self, spec: KeyframeSpec) -> None:
        if (spec.width, spec.height) != (self.width, self.height):
            raise ValueError(f"spec size {spec.width}x{spec.height} != engine size {self.width}x{self.height}")

    def random_latent(self, spec: KeyframeSpec) -> torch.Tensor:
        self._check(spec)
        g = torch.Generator().manual_seed(int(spec.seed))
        return torch.rand((1, 3, *self.grid), generator=g)

    def keyframe(self, spec: KeyframeSpec, init: torch.Tensor, callback: StepCallback | None = None) -> torch.Tensor:
        self._check(spec)
        target = target_field(spec, *self.grid)
        rate = float(min(1.0, spec.param("learning_rate", 0.1)))
        z = init.detach().clone().float()
        for step in range(spec.iterations):
            z = z + rate * (target - z)
            if callback is not None and callback(step + 1, spec.iterations, float(((z - target) ** 2).mean())):
                raise Cancelled()
        return z

    def quantise(self, z: torch.Tensor) -> torch.Tensor:
        """The draft latent is already what is shown: unchanged."""
        return z

    def decode(self, z: torch.Tensor) -> np.ndarray:
        z = z.detach().float()
        img = torch.einsum("Hh,nchw,Ww->nHWc", self._ry, z, self._rx)  # channels last for numpy
        img = img.clamp_(0, 1).mul_(self._vignette[None, :, :, None]).mul_(255).add_(0.5)
        return img.to(torch.uint8).numpy()


def _upsample_matrix(n_in: int, n_out: int) -> torch.Tensor:
    """(n_out, n_in) matrix equal to 1-D bicubic upsampling (align_corners=False)."""
    eye = torch.eye(n_in).view(n_in, 1, n_in, 1)
    up = torch.nn.functional.interpolate(eye, size=(n_out, 1), mode="bicubic", align_corners=False)
    return up.view(n_in, n_out).T.contiguous()
