"""End to end with the real VQGAN+CLIP engine on tiny random-weight models (CPU, no downloads)."""

from __future__ import annotations

import numpy as np

from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.render import render_video
from dreamreel.core.engine.states import plan_states
from dreamreel.core.export import probe, read_video_frames
from test_render_support import CountingEngine, make_project
from tiny_models import TINY_SIZE, tiny_engine


def test_tiny_vqgan_renders_an_mp4_and_reuses_its_cache(tmp_path):
    p = make_project(tmp_path / "proj", seconds=1.5, size=TINY_SIZE, fps=8, kps=2.0,
                     blocks=[("a red moon", 0.0, 0.75), ("blue waves", 0.75, 1.5)])
    p.render.engine = "vqgan-clip"
    p.render.update_engine("vqgan-clip", cutn=2, iterations_first=2, iterations=1, learning_rate=1.0)  # one step must move tokens
    engine = CountingEngine(tiny_engine(tmp_path / "models"))
    cache = KeyframeCache(tmp_path / "cache")
    result = render_video(p, engine, cache, tmp_path / "out.mp4")
    assert len(engine.calls) == len(result.plan.keyframes) == 4
    info = probe(result.out_path)
    assert info.has_audio and info.fps == 8 and (info.width, info.height) == (TINY_SIZE, TINY_SIZE)
    frames = read_video_frames(result.out_path, TINY_SIZE, TINY_SIZE)
    assert len(frames) == 12
    assert np.abs(frames[6].astype(int) - frames[5]).mean() > 0  # block 2 starts at frame 6
    states = plan_states(p, engine.identity(), cache).counts
    assert states == {"b0": (2, 2), "b1": (2, 2)}
    again = CountingEngine(engine.inner)
    render_video(p, again, cache, tmp_path / "out2.mp4")
    assert again.calls == []
    assert np.array_equal(read_video_frames(tmp_path / "out2.mp4", TINY_SIZE, TINY_SIZE), frames)


def test_frames_show_the_quantised_picture_clip_scored(tmp_path):
    """A keyframe's frame and preview are decode(quantise(z)), the picture CLIP scored, not the
    continuous z; in-betweens blend quantised latents, so they stay between the two pictures."""
    import torch
    from PIL import Image

    from dreamreel.core.engine.optimise import vector_quantize
    from dreamreel.core.engine.render import iter_frames, plan_render, render_keyframes

    p = make_project(tmp_path / "proj", seconds=1.0, size=TINY_SIZE, fps=8, kps=2.0,
                     blocks=[("a red moon", 0.0, 1.0)])
    p.render.update_engine("vqgan-clip", cutn=2, iterations_first=3, iterations=2,
                           learning_rate=1.0)  # the second keyframe's tokens must move
    engine = tiny_engine(tmp_path / "models")
    cache = KeyframeCache(tmp_path / "cache")
    plan = render_keyframes(p, engine, cache, plan=plan_render(p, engine, cache))
    frames = dict(iter_frames(p, engine, cache, plan))
    for kf in plan.keyframes:
        z = cache.get(kf.key)
        z_q = vector_quantize(z.movedim(1, 3), engine.codebook).movedim(3, 1)
        with torch.no_grad():  # what the optimiser's image() fed to CLIP
            scored = engine.vqgan.decode(z_q).add(1).mul(127.5).clamp(0, 255).round().to(torch.uint8)
        scored = scored[0].permute(1, 2, 0).numpy()
        assert not np.array_equal(engine.decode(z)[0], scored)  # the continuous z looks different
        frame = frames[int(round(kf.t_s * p.render.fps))]
        assert np.array_equal(frame, scored)
        assert np.array_equal(np.asarray(Image.open(cache.preview_path(kf.key)).convert("RGB")), scored)
    a, b, mid = frames[0], frames[4], frames[2]  # keyframes at 0 s and 0.5 s; frame 2 halfway
    assert not np.array_equal(a, b) and not np.array_equal(mid, a) and not np.array_equal(mid, b)
