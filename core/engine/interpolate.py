"""In-betweens: which two keyframes each output frame sits between, and latent blending.

Frame *i* shows song time i/fps. Keyframe *k* sits at frame position p_k = t_k·fps, except a
block's first keyframe, which sits at round(start·fps) so a block starting at t shows exactly
its first keyframe at frame round(t·fps) (keyframes of the block before that fall past it are
pulled back onto it). Between two keyframes the latent is blended (linear or slerp);
before the first keyframe the first one holds, after the last the last one holds.

Gaps between blocks: the picture keeps interpolating from the last keyframe of the block
before to the first keyframe of the next block, so an instrumental gap is a slow morph rather
than a frozen frame (and the next block still lands exactly on its start frame).
"""

from __future__ import annotations

import math

import numpy as np
import torch


def keyframe_positions(times_s, block_starts: np.ndarray | list[bool], fps: float) -> np.ndarray:
    """Frame positions of keyframes (float, non-decreasing); block-first keyframes rounded.

    Block-first positions are authoritative: any other keyframe is clamped into
    [its own block's first position, the next block's first position], so a keyframe of the
    block before that lies past the next block's rounded start is pulled back onto it (the tie
    resolves to the later keyframe, the block's first), never pushing the block start later.
    """
    p = np.asarray(times_s, dtype=np.float64) * fps
    first = np.asarray(block_starts, dtype=bool)
    if not len(p):
        return p
    p[first] = np.maximum.accumulate(np.round(p[first])) if first.any() else p[first]
    idx = np.arange(len(p))
    # Position of the latest block-first keyframe at or before i (-inf when none) ...
    last_first = np.maximum.accumulate(np.where(first, idx, -1))
    lower = np.where(last_first >= 0, p[np.maximum(last_first, 0)], -np.inf)
    # ... and of the next block-first keyframe strictly after i (+inf when none).
    nxt = np.where(first, idx, len(p))
    next_first = np.minimum.accumulate(nxt[::-1])[::-1]
    next_first = np.append(next_first[1:], len(p))
    upper = np.where(next_first < len(p), p[np.minimum(next_first, len(p) - 1)], np.inf)
    out = np.where(first, p, np.clip(p, lower, upper))
    return np.maximum.accumulate(out)


def frame_segments(positions: np.ndarray, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each frame index: (lo, hi, frac) keyframe indices and the linear position in [0, 1].

    lo is the last keyframe at or before the frame, hi the next one; frac = 0 holds lo.
    """
    frames = np.asarray(frames, dtype=np.float64)
    n = len(positions)
    if n == 0:
        raise ValueError("no keyframes to interpolate")
    lo = np.searchsorted(positions, frames, side="right") - 1
    before = lo < 0
    lo = np.clip(lo, 0, n - 1)
    hi = np.minimum(lo + 1, n - 1)
    span = positions[hi] - positions[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(span > 0, (frames - positions[lo]) / np.where(span > 0, span, 1.0), 0.0)
    frac = np.clip(frac, 0.0, 1.0)
    frac[before] = 0.0
    return lo, hi, frac


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
    """Linear blend; t broadcasts over the batch dimension."""
    t = _as_batch(t, a)
    return a + (b - a) * t


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor | float, eps: float = 1e-7) -> torch.Tensor:
    """Spherical blend of flattened latents (per batch item); falls back to lerp when a and b
    are (anti-)parallel or zero. Exactly a at t=0 and b at t=1."""
    t = _as_batch(t, a)
    af, bf = a.flatten(1), b.flatten(1)
    na, nb = af.norm(dim=1, keepdim=True), bf.norm(dim=1, keepdim=True)
    cos = ((af / na.clamp_min(eps)) * (bf / nb.clamp_min(eps))).sum(1, keepdim=True).clamp(-1, 1)
    omega = torch.arccos(cos)
    so = torch.sin(omega)
    tf = t.flatten(1)[:, :1]
    safe = so.abs() > 1e-4
    wa = torch.where(safe, torch.sin((1 - tf) * omega) / torch.where(safe, so, 1.0), 1 - tf)
    wb = torch.where(safe, torch.sin(tf * omega) / torch.where(safe, so, 1.0), tf)
    out = wa * af + wb * bf
    # Pin the endpoints: sin() round-off must not leak into exact keyframe frames.
    out = torch.where(tf == 0, af, torch.where(tf == 1, bf, out))
    return out.view_as(a)


def blend(a: torch.Tensor, b: torch.Tensor, t, mode: str = "linear") -> torch.Tensor:
    """`lerp` or `slerp` by name (RenderSettings.interpolation)."""
    if mode == "slerp":
        return slerp(a, b, t)
    if mode == "linear":
        return lerp(a, b, t)
    raise ValueError(f"unknown interpolation {mode!r}")


def _as_batch(t, like: torch.Tensor) -> torch.Tensor:
    t = torch.as_tensor(t, dtype=like.dtype, device=like.device)
    if t.ndim == 0:
        t = t.expand(like.shape[0])
    return t.view(-1, *([1] * (like.ndim - 1)))


def minterpolate_split(settings) -> int:
    """For `interpolation` "minterpolate": render at the keyframe rate (rounded up) with latent
    blends, and let ffmpeg's motion interpolation make the output rate. Changes `settings`
    (fps, interpolation) in place; returns the output fps for `encode_mp4(minterpolate_fps=)`."""
    target = int(settings.fps)
    settings.fps = max(1, min(target, math.ceil(settings.keyframes_per_second)))
    settings.interpolation = "linear"
    return target


def inbetween_key(lo_key: str, hi_key: str, t: float, walk_version: str) -> str:
    """The cache key of a walked in-between (an engine's `latent_walk`): sha256 of the two
    keyframe keys (which hold the engine identity), t and the engine's walk version."""
    import hashlib

    from dreamreel.core.engine.cache import canonical_json

    payload = {"inbetween": [lo_key, hi_key], "t": float(t), "walk_version": str(walk_version)}
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def engine_default_interpolation(render) -> str:
    """The interpolation of the render's engine by default (its registry entry's
    `default_interpolation`: RIFE for SD), "linear" for an engine that is not installed."""
    from dreamreel.core.engine import registry
    from dreamreel.core.errors import DreamreelError

    try:
        return registry.get(render.engine).default_interpolation
    except DreamreelError:
        return "linear"


def settle_interpolation(render, warn=None, rife_given: bool = False) -> str:
    """The in-betweens a render makes. The project's choice wins; "auto" (the default) is the
    engine's default. When that default is RIFE and its weights are not on disk (nor a `Rife`
    given), latent blends instead and ONE line to `warn` saying so and how to fetch them. An
    explicit "rife" is kept: missing weights then fail, saying how to fetch them."""
    mode = render.interpolation
    if mode != "auto":
        return mode
    mode = engine_default_interpolation(render)
    if mode == "rife" and not rife_given:
        import os

        from dreamreel.core.engine.models import models_dir
        from dreamreel.core.engine.rife import ENV_RIFE_WEIGHTS, RIFE_FILE, resolve_rife_weights
        from dreamreel.core.errors import ModelNotFoundError

        try:
            resolve_rife_weights()
        except ModelNotFoundError:
            if warn is not None:
                where = os.environ.get(ENV_RIFE_WEIGHTS) or models_dir() / RIFE_FILE
                warn(f"dreamreel render: RIFE weights not found ({where}): in-betweens are linear latent blends "
                     f"instead of {render.engine}'s default RIFE; `dreamreel models download rife` fetches them")
            mode = "linear"
    return mode
