"""Frames of a render: keyframe latents blended to the output fps, music drives, captions.

`iter_frames` yields (frame_index, uint8 (H, W, 3)) for a `RenderPlan`'s frame range. Every
frame depends only on the project, the cache and the song, never on where the range starts:
the sound-cluster spring is simulated from frame 0 and its output skipped until the range, so a
`--from/--to` preview shows the same pictures as the same frames of a full export.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from dreamreel.core.engine import music
from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.schedule import PlannedKeyframe
from dreamreel.core.errors import Cancelled, DreamreelError
from dreamreel.core.hooks import CancelHook
from dreamreel.core.project import Project


def shown_latent(engine, z):
    """The latent a keyframe's picture is decoded from: `engine.quantise(z)` (what the engine
    scored), or z for engines that have no `quantise`."""
    quantise = getattr(engine, "quantise", None)
    return z if quantise is None else quantise(z)


def segments(keyframes: list[PlannedKeyframe], fps: int, first: int, end: int):
    """(positions, lo, hi, frac) of frames [first, end): see `interpolate.frame_segments`."""
    from dreamreel.core.engine.interpolate import frame_segments, keyframe_positions

    positions = keyframe_positions([k.t_s for k in keyframes], [k.index == 0 for k in keyframes], fps)
    return positions, *frame_segments(positions, np.arange(first, end))


def shown_keyframes(project: Project, keyframes: list[PlannedKeyframe], fps: int, first: int, end: int,
                    analysis=None) -> set[int]:
    """Keyframes that frames [first, end) are made from: the two each frame blends, plus, with
    sound clusters on, every cluster's target and the keyframes of frame 0 (the spring's start)."""
    _, lo, hi, frac = segments(keyframes, fps, first, end)
    shown = set(lo.tolist()) | set(hi[frac > 0].tolist())
    model = cluster_model(project, keyframes, analysis)
    if model is not None:
        _, lo0, hi0, _ = segments(keyframes, fps, 0, 1)
        shown |= set(model[1].tolist()) | {int(lo0[0]), int(hi0[0])}
    return shown


def cluster_model(project: Project, keyframes: list[PlannedKeyframe], analysis):
    """Sound clusters (DESIGN §3.5): (labels of the analysis frames, target keyframe index per
    cluster) or None when off. K-means over the whole song's band frames; each cluster's target
    is the keyframe (of the whole schedule) whose sound is nearest the cluster centre."""
    m = project.render.music
    bands = getattr(analysis, "bands", None) if analysis is not None else None
    if not (m.clusters and m.cluster_strength) or bands is None or len(bands) < 2 or not keyframes:
        return None
    feats = music.band_features(bands)
    centroids, labels = music.kmeans(feats, m.clusters, seed=project.render.seed)
    env_times = np.asarray(analysis.times)
    rows = np.clip(np.searchsorted(env_times, [k.t_s for k in keyframes]), 0, len(feats) - 1)
    return labels, music.nearest_rows(feats[rows], centroids)


def iter_frames(project: Project, engine, cache: KeyframeCache, plan, *, analysis=None,
                burn_lyrics: bool | None = None, cancel: CancelHook | None = None,
                batch: int = 16, rife=None) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (frame_index, uint8 (H, W, 3)) for the plan's frames; keyframes must be cached.

    In-betweens: latents blended (`linear`/`slerp`) and decoded, or with `interpolation` "rife"
    the decoded keyframes blended by the interpolation network (`rife`, a `rife.Rife`; default:
    the weights in the models dir), cuts held instead of morphed."""
    import torch

    from dreamreel.core.engine.captions import Captioner
    from dreamreel.core.engine.interpolate import blend

    s, fps, kfs = project.render, plan.fps, plan.keyframes
    latents: dict[int, torch.Tensor] = {}

    def latent(i: int) -> torch.Tensor:
        if i not in latents:
            z = cache.get(kfs[i].key)
            if z is None:
                raise DreamreelError(f"keyframe {kfs[i].key[:12]} is missing from the cache; render again")
            latents[i] = shown_latent(engine, z)  # in-betweens blend what the keyframes showed
        return latents[i]

    def blended(first: int, end: int):
        """(frame indices, blended latents (N, ...)) of frames [first, end), pacing applied."""
        frames = np.arange(first, end)
        positions, lo, hi, frac = segments(kfs, fps, first, end)
        if analysis is not None and s.music.pacing:
            frac = music.paced_fracs(frames / fps, positions[lo] / fps, positions[hi] / fps, frac,
                                     analysis.times, analysis.onset_strength, s.music.pacing)
        return frames, lo, hi, frac

    def mix(lo, hi, frac) -> torch.Tensor:
        za = torch.cat([latent(i) for i in lo])
        # hi is only needed where it is blended in (frac > 0); elsewhere reuse lo.
        zb = torch.cat([latent(h) if f > 0 else latent(i) for i, h, f in zip(lo, hi, frac)])
        mode = s.interpolation if s.interpolation in ("linear", "slerp") else "linear"  # minterpolate: see its CLI
        return blend(za, zb, torch.from_numpy(np.asarray(frac)).float(), mode)

    frames, lo, hi, frac = blended(plan.first_frame, plan.end_frame)
    t = frames / fps
    pulse = (music.pulse_envelope(t, analysis.beats) * s.music.pulse
             if analysis is not None and s.music.pulse else np.zeros(len(frames)))
    if s.interpolation == "rife":
        from dreamreel.core.engine.rife import RifeFrames

        stage = RifeFrames(rife or _default_rife(engine), kfs, lambda i: engine.decode(latent(i))[0])
        spring = _ClusterSpring.start(project, plan, analysis, cache, lambda: stage.pictures(*blended(0, 1)[1:]),
                                      target=lambda z: stage.as_tensor(engine.decode(shown_latent(engine, z))))
    else:
        stage = None
        spring = _ClusterSpring.start(project, plan, analysis, cache, lambda: mix(*blended(0, 1)[1:]),
                                      target=lambda z: shown_latent(engine, z))
    draft = bool(getattr(engine, "marks_draft", False))  # a stand-in picture: say so on it
    burn = (s.burn_lyrics or draft) if burn_lyrics is None else burn_lyrics
    captions = Captioner(
        [(int(round(b.start_ms * fps / 1000)), int(round(b.end_ms * fps / 1000)), caption_text(b))
         for b in project.blocks],
        s.width, s.height, lyrics=burn, draft_mark=draft,
    )
    for b0 in range(0, len(frames), batch):
        if cancel is not None and cancel():
            raise Cancelled()
        sl = slice(b0, b0 + batch)
        for i in [k for k in latents if k < lo[sl].min()]:
            del latents[i]  # frames only move forward: free keyframes behind us
        if stage is not None:  # pictures of decoded keyframes, blended by the network
            stage.forget_before(int(lo[sl].min()))
            pics = stage.pictures(lo[sl], hi[sl], frac[sl])
            images = stage.as_uint8(spring.apply(pics, frames[sl])) if spring is not None else stage.as_uint8(pics)
        else:
            z = mix(lo[sl], hi[sl], frac[sl])
            if spring is not None:
                z = spring.apply(z, frames[sl])
            images = engine.decode(z)
        for j, img in enumerate(images):
            n = b0 + j
            img = _fit(img, s.width, s.height)
            if pulse[n] > 1e-3:
                img = music.apply_pulse(img, float(pulse[n]))
            yield int(frames[n]), captions.apply(img, int(frames[n]))


def _default_rife(engine):
    """The RIFE weights from the models dir on the engine's device."""
    from dreamreel.core.engine.rife import Rife, resolve_rife_weights

    return Rife.from_file(resolve_rife_weights(), device=getattr(engine, "device", "cpu"))


class _ClusterSpring:
    """The sound-cluster particle: starts at frame 0's latent and, frame by frame, follows the
    target of the frame's cluster; blended into the picture with `cluster_strength`."""

    def __init__(self, x0, targets, target_indices, frame_labels_fn, strength: float, fps: int):
        self.spring = music.SpringFollower(x0)
        self.targets, self.target_indices = targets, target_indices
        self.frame_labels = frame_labels_fn
        self.strength, self.fps = strength, fps
        self.next_frame = 0

    @classmethod
    def start(cls, project: Project, plan, analysis, cache: KeyframeCache, frame0_latent, target=None):
        """`target(latent)` maps a cluster's keyframe latent into the space frames are mixed in
        (the shown, quantised latent; the RIFE stage passes decoded pictures)."""
        model = cluster_model(project, plan.keyframes, analysis)
        if model is None:
            return None
        labels, owners = model
        targets = []
        for o in owners:
            z = cache.get(plan.keyframes[o].key)
            if z is None:
                raise DreamreelError(f"keyframe {plan.keyframes[o].key[:12]} is missing from the cache; render again")
            targets.append(z if target is None else target(z))
        fps = plan.fps
        env_times = np.asarray(analysis.times)
        spring = cls(frame0_latent(), targets, [int(o) for o in owners],
                     lambda frames: music.labels_at(np.asarray(frames) / fps, env_times, labels),
                     float(np.clip(project.render.music.cluster_strength, 0.0, 1.0)), fps)
        spring.advance_to(plan.first_frame)
        return spring

    def advance_to(self, frame: int) -> None:
        """Simulate (without output) up to, not including, `frame`."""
        if frame > self.next_frame:
            for lab in self.frame_labels(np.arange(self.next_frame, frame)):
                self.spring.step(self.targets[lab], 1.0 / self.fps)
            self.next_frame = frame

    def apply(self, z, frames: np.ndarray):
        import torch

        self.advance_to(int(frames[0]))
        out = []
        for j, lab in enumerate(self.frame_labels(frames)):
            x = self.spring.step(self.targets[lab], 1.0 / self.fps)
            out.append(z[j : j + 1] * (1 - self.strength) + x * self.strength)
        self.next_frame = int(frames[-1]) + 1
        return torch.cat(out)


def caption_text(block) -> str:
    """A block's text as a viewer reads it: a lyric (literal text, `prompt_syntax` False) as
    written; prompt syntax with its weights and `|` separators removed. A plain string is
    read as prompt syntax."""
    from dreamreel.core.engine.prompts import parse_prompts, uses_prompt_syntax

    from dreamreel.core.errors import DreamreelError

    text = block if isinstance(block, str) else block.text
    if not isinstance(block, str) and not uses_prompt_syntax(block):
        return text.strip()
    try:
        return ", ".join(p.text for p in parse_prompts(text) if p.weight > 0)
    except DreamreelError:  # not valid prompt syntax: show it as written
        return text.strip()


def _fit(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """Engines may decode to a multiple of their patch size: centre-crop (or resize when
    smaller) to the requested frame size."""
    h, w = img.shape[:2]
    if (w, h) == (width, height):
        return img
    if w >= width and h >= height:
        y, x = (h - height) // 2, (w - width) // 2
        return np.ascontiguousarray(img[y : y + height, x : x + width])
    from PIL import Image

    return np.asarray(Image.fromarray(img).resize((width, height), Image.LANCZOS))
