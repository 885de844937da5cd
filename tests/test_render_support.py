"""Shared helpers for the render tests (no tests here): tiny projects and a counting engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audio_synth import click_track, write_wav
from dreamreel.core.engine.draft import DraftEngine
from dreamreel.core.project import AudioRef, Block, Project, save_project


def make_project(tmp: Path, *, seconds: float = 3.0, bpm: float = 120.0, size: int = 64, fps: int = 10,
                 kps: float = 2.0, continuity: str = "chain", blocks=None, save: bool = True) -> Project:
    """A saved project with a click-track song and three blocks (times in seconds)."""
    tmp = Path(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    samples, _ = click_track(bpm, seconds, 22050)
    write_wav(tmp / "song.wav", samples, 22050)
    if blocks is None:
        blocks = [("red fire", 0.0, 1.0), ("ocean blue", 1.0, 2.2), ("golden forest", 2.4, seconds)]
    project = Project(
        blocks=[Block(text, int(round(a * 1000)), int(round(b * 1000)), id=f"b{i}")
                for i, (text, a, b) in enumerate(blocks)],
        audio=AudioRef(str(tmp / "song.wav"), duration_ms=int(round(seconds * 1000)), sample_rate=22050),
    )
    r = project.render
    r.width = r.height = size
    r.fps, r.keyframes_per_second, r.continuity = fps, kps, continuity
    for name in r.engines:
        r.update_engine(name, iterations_first=6, iterations=3)
    if save:
        save_project(project, tmp / "p.dreamreel")
    else:
        project.path = (tmp / "p.dreamreel").absolute()
    return project


class CountingEngine:
    """Wraps an engine and records the spec of every `keyframe` call."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.marks_draft = getattr(inner, "marks_draft", False)
        self.calls = []

    def identity(self):
        return self.inner.identity()

    def random_latent(self, spec):
        return self.inner.random_latent(spec)

    def keyframe(self, spec, init, callback=None):
        self.calls.append(spec)
        return self.inner.keyframe(spec, init, callback)

    def quantise(self, z):
        return self.inner.quantise(z)

    def decode(self, z):
        return self.inner.decode(z)


def counting_draft(size: int = 64) -> CountingEngine:
    return CountingEngine(DraftEngine(size, size))


def mean_colour(frame: np.ndarray) -> np.ndarray:
    return frame.reshape(-1, 3).mean(0)
