"""End to end with the real VQGAN+CLIP engine on tiny random-weight models (CPU, no downloads)."""

from __future__ import annotations

import numpy as np

from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.render import keyframe_states, render_video
from dreamreel.core.export import probe, read_video_frames
from test_render_support import CountingEngine, make_project
from tiny_models import TINY_SIZE, tiny_engine


def test_tiny_vqgan_renders_an_mp4_and_reuses_its_cache(tmp_path):
    p = make_project(tmp_path / "proj", seconds=1.5, size=TINY_SIZE, fps=8, kps=2.0,
                     blocks=[("a red moon", 0.0, 0.75), ("blue waves", 0.75, 1.5)])
    p.render.cutn, p.render.iterations_first, p.render.iterations = 2, 2, 1
    engine = CountingEngine(tiny_engine(tmp_path / "models"))
    cache = KeyframeCache(tmp_path / "cache")
    result = render_video(p, engine, cache, tmp_path / "out.mp4")
    assert len(engine.calls) == len(result.plan.keyframes) == 4
    info = probe(result.out_path)
    assert info.has_audio and info.fps == 8 and (info.width, info.height) == (TINY_SIZE, TINY_SIZE)
    frames = read_video_frames(result.out_path, TINY_SIZE, TINY_SIZE)
    assert len(frames) == 12
    assert np.abs(frames[6].astype(int) - frames[5]).mean() > 0  # block 2 starts at frame 6
    states = keyframe_states(p, engine.identity(), cache)
    assert states == {"b0": (2, 2), "b1": (2, 2)}
    again = CountingEngine(engine.inner)
    render_video(p, again, cache, tmp_path / "out2.mp4")
    assert again.calls == []
    assert np.array_equal(read_video_frames(tmp_path / "out2.mp4", TINY_SIZE, TINY_SIZE), frames)
