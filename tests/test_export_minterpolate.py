"""ffmpeg `minterpolate` on top of the in-betweens: the MP4 comes out at the higher rate, same length."""

from __future__ import annotations

from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.render import render_video
from dreamreel.core.export import probe, read_video_frames
from test_render_support import counting_draft, make_project


def test_minterpolate_doubles_fps_and_keeps_length_and_audio(tmp_path):
    p = make_project(tmp_path, seconds=2.0, size=32, fps=4, kps=1.0,
                     blocks=[("red fire", 0.0, 1.0), ("ocean blue", 1.0, 2.0)])
    result = render_video(p, counting_draft(32), KeyframeCache(tmp_path / "cache"), tmp_path / "out.mp4",
                          minterpolate_fps=8)
    assert result.plan.n_frames == 8  # rendered at 4 fps...
    info = probe(result.out_path)
    assert info.fps == 8 and info.has_audio and (info.width, info.height) == (32, 32)  # ...encoded at 8
    assert abs(info.duration_s - 2.0) <= 0.15
    # probe's duration is the container's (the audio holds it at 2 s): count the pictures too.
    assert len(read_video_frames(result.out_path, 32, 32)) == 16  # bare minterpolate gave 13
