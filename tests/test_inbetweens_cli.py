"""`--interpolation latent|rife|minterpolate` from the CLI, and minterpolate through `render_video`
(the editor's export path): the output file read back."""

from __future__ import annotations

from test_rife import write_random_rife


def test_cli_interpolation_rife_needs_weights_then_renders(tmp_path, capsys, monkeypatch):
    from dreamreel.core.cli.main import main
    from dreamreel.core.engine.models import models_dir
    from dreamreel.core.export import probe, read_video_frames
    from test_render_support import make_project

    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path / "models"))
    make_project(tmp_path)
    argv = ["render", str(tmp_path / "p.dreamreel"), "-o", str(tmp_path / "o.mp4"), "--quiet",
            "--interpolation", "rife"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "dreamreel models download rife" in err[0]
    assert not (tmp_path / "o.mp4").exists() and not (tmp_path / "p.dreamreel-cache").exists()
    models_dir().mkdir(parents=True, exist_ok=True)
    write_random_rife(models_dir() / "rife425.pth")
    assert main(argv) == 0
    info = probe(tmp_path / "o.mp4")
    assert info.fps == 10 and len(read_video_frames(tmp_path / "o.mp4", 64, 64)) == 30


def test_cli_interpolation_minterpolate_renders_at_the_keyframe_rate(tmp_path, monkeypatch):
    from dreamreel.core.cli.main import main
    from dreamreel.core.engine import render
    from dreamreel.core.export import probe
    from test_render_support import make_project

    make_project(tmp_path)  # 10 fps, 2 keyframes per second
    seen = {}
    real = render.render_video

    def spy(project, *a, **kw):
        seen.update(fps=project.render.fps, minterpolate=kw.get("minterpolate_fps"))
        return real(project, *a, **kw)

    monkeypatch.setattr(render, "render_video", spy)
    out = tmp_path / "o.mp4"
    assert main(["render", str(tmp_path / "p.dreamreel"), "-o", str(out), "--quiet",
                 "--interpolation", "minterpolate"]) == 0
    assert seen == {"fps": 2, "minterpolate": 10}
    info = probe(out)
    assert info.fps == 10 and abs(info.duration_s - 3.0) <= 0.15


def test_render_video_minterpolate_renders_keyframe_rate_then_ffmpeg_output_rate(tmp_path):
    from dreamreel.core.engine.cache import KeyframeCache
    from dreamreel.core.engine.render import render_video
    from dreamreel.core.export import probe, read_video_frames
    from test_render_support import counting_draft, make_project

    p = make_project(tmp_path)
    p.render.interpolation = "minterpolate"
    result = render_video(p, counting_draft(), KeyframeCache(tmp_path / "c"), tmp_path / "o.mp4")
    assert result.plan.fps == 2 and p.render.fps == 10 and p.render.interpolation == "minterpolate"
    info = probe(tmp_path / "o.mp4")
    assert info.fps == 10 and len(read_video_frames(tmp_path / "o.mp4", 64, 64)) == 30
