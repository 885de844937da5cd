"""`dreamreel render`: dry run, draft render, fallback when weights are missing, bad input."""

from __future__ import annotations

import pytest

from dreamreel.core.cli.main import main
from dreamreel.core.export import probe
from dreamreel.core.project import load_project, save_project
from test_render_support import make_project


def test_dry_run_lists_keyframes_and_writes_nothing(tmp_path, capsys):
    make_project(tmp_path)
    assert main(["render", str(tmp_path / "p.dreamreel"), "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert "keyframes to render" in err and "iterations" in err
    assert len(out.strip().splitlines()) == 7  # 2 + 3 + 2 keyframes at 2 per second
    assert "red fire" in out and "init=random" in out
    assert not (tmp_path / "p.dreamreel-cache" / "keyframes").exists()


def test_render_draft_mp4_then_cached(tmp_path, capsys):
    make_project(tmp_path)
    out = tmp_path / "out.mp4"
    assert main(["render", str(tmp_path / "p.dreamreel"), "-o", str(out), "--quiet", "--fps", "8",
                 "--size", "48x32"]) == 0
    info = probe(out)
    assert (info.width, info.height, info.fps) == (48, 32, 8) and info.has_audio
    assert (tmp_path / "p.dreamreel-cache" / "keyframes").is_dir()
    capsys.readouterr()
    assert main(["render", str(tmp_path / "p.dreamreel"), "--dry-run", "--fps", "8", "--size", "48x32"]) == 0
    assert "draft: 0 of 7 keyframes to render" in capsys.readouterr().err


def test_vqgan_without_weights_falls_back_to_draft_in_one_line(tmp_path, capsys):
    p = make_project(tmp_path)
    p.render.engine = "vqgan-clip"
    save_project(p, tmp_path / "p.dreamreel")
    cache = tmp_path / "elsewhere"
    assert main(["render", str(tmp_path / "p.dreamreel"), "-o", str(tmp_path / "o.mp4"), "--quiet",
                 "--cache", str(cache)]) == 0
    err = capsys.readouterr().err
    warnings = [ln for ln in err.splitlines() if "draft engine instead" in ln]
    assert len(warnings) == 1 and "dreamreel models download" in warnings[0]
    assert (tmp_path / "o.mp4").exists() and (cache / "keyframes").is_dir()


def test_explicit_vqgan_without_weights_fails_clearly(tmp_path, capsys):
    make_project(tmp_path)
    code = main(["render", str(tmp_path / "p.dreamreel"), "-o", str(tmp_path / "o.mp4"), "--engine", "vqgan-clip"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("dreamreel render: error:") and "download" in err[0]
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize("argv,needle", [
    (["--size", "31x32"], "even"),
    (["--size", "big"], "WIDTHxHEIGHT"),
    (["--from", "5", "--to", "9"], "empty time range"),
    ([], "give -o"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, argv, needle):
    make_project(tmp_path)
    extra = [] if needle == "give -o" else ["-o", str(tmp_path / "o.mp4")]
    assert main(["render", str(tmp_path / "p.dreamreel"), *extra, *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]


def test_png_dir_only(tmp_path):
    make_project(tmp_path)
    assert main(["render", str(tmp_path / "p.dreamreel"), "--png-dir", str(tmp_path / "pngs"), "--quiet"]) == 0
    assert len(list((tmp_path / "pngs").glob("frame_*.png"))) == 30
    assert load_project(tmp_path / "p.dreamreel").render.fps == 10  # overrides never saved


@pytest.mark.parametrize("argv,needle", [
    (["--from", "nan"], "--from nan"),
    (["--to", "inf"], "--to inf"),
    (["--from=-inf", "--to", "1"], "--from -inf"),
])
def test_non_finite_times_exit_2_with_one_line(tmp_path, capsys, argv, needle):
    make_project(tmp_path)
    assert main(["render", str(tmp_path / "p.dreamreel"), "-o", str(tmp_path / "o.mp4"), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "finite" in err[0]


def test_output_naming_a_folder_or_png_dir_naming_a_file_fails_up_front(tmp_path, capsys, monkeypatch):
    from dreamreel.core.cli import render_cmd

    make_project(tmp_path)
    monkeypatch.setattr(render_cmd, "make_engine", lambda *a, **k: pytest.fail("rendering started"))
    (tmp_path / "outdir").mkdir()
    assert main(["render", str(tmp_path / "p.dreamreel"), "-o", str(tmp_path / "outdir")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a folder" in err[0]
    (tmp_path / "file.txt").write_text("keep me")
    assert main(["render", str(tmp_path / "p.dreamreel"), "--png-dir", str(tmp_path / "file.txt")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a file" in err[0]
    assert (tmp_path / "file.txt").read_text() == "keep me"


def test_vqgan_dry_run_with_local_model_files_prints_estimates(tmp_path, capsys):
    from tiny_models import make_tiny_models, tiny_settings

    paths = make_tiny_models(tmp_path / "models")
    project = make_project(tmp_path, size=32)
    project.render = tiny_settings(clip_model=str(paths["clip_config"]), fps=4)
    save_project(project, tmp_path / "p.dreamreel")
    argv = ["render", str(tmp_path / "p.dreamreel"), "--dry-run", "--engine", "vqgan-clip",
            "--vqgan-config", str(paths["vqgan_config"]), "--vqgan-ckpt", str(paths["vqgan_ckpt"]),
            "--clip-ckpt", str(paths["clip_ckpt"])]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "vqgan-clip: 7 of 7 keyframes to render" in err and "on this device" in err
    assert "memory: about" in err and "on cpu for 32x32" in err
