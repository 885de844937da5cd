"""`dreamreel render --engine sd` as the user runs it: a subprocess on the bundled example with
a tiny random-weight model folder, the MP4 read back; RIFE in-betweens; a missing model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import dreamreel, refused
from dreamreel.core.export import probe, read_video_frames
from test_rife import write_random_rife
from tiny_sd import make_tiny_sd

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"


@pytest.fixture
def example(tmp_path):
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    return tmp_path / "ex" / "example.dreamreel"


@pytest.mark.slow
def test_example_renders_with_engine_sd_to_an_mp4_then_from_the_cache(example, tmp_path):
    tiny = make_tiny_sd(tmp_path / "tiny-sd")
    out = tmp_path / "out.mp4"
    env = {"DREAMREEL_MODELS_DIR": str(tmp_path / "models")}
    args = ["render", example, "--engine", "sd", "--sd-model", tiny, "--size", "32x32", "--fps", "4", "--to", "16",
            "--quiet"]
    r = dreamreel(*args, "-o", out, env=env, timeout=900)
    assert r.returncode == 0, r.stderr
    import re

    m = re.search(r"sd: (\d+) of (\d+) keyframes to render", r.stderr)
    assert m and m.group(1) == m.group(2) and int(m.group(1)) >= 30, r.stderr
    info = probe(out)
    assert (info.width, info.height, info.fps) == (32, 32, 4) and info.has_audio
    video = read_video_frames(out, 32, 32)
    assert len(video) == 16 * 4
    assert video.std() > 5 and np.abs(np.diff(video.astype(int), axis=0)).mean() > 0.5  # pictures that move
    again = dreamreel(*args, "--dry-run", env=env)
    assert again.returncode == 0 and f"sd: 0 of {m.group(2)} keyframes to render" in again.stderr


def test_engine_sd_with_rife_in_betweens(example, tmp_path):
    tiny = make_tiny_sd(tmp_path / "tiny-sd")
    models = tmp_path / "models"
    models.mkdir()
    write_random_rife(models / "rife425.pth")
    out = tmp_path / "out.mp4"
    r = dreamreel("render", example, "--engine", "sd", "--sd-model", tiny, "--size", "32x32", "--fps", "12",
                  "--to", "3", "--interpolation", "rife", "--quiet", "-o", out,
                  env={"DREAMREEL_MODELS_DIR": str(models)}, timeout=900)
    assert r.returncode == 0, r.stderr
    assert len(read_video_frames(out, 32, 32)) == 36


def test_engine_sd_without_a_model_says_how_to_get_one(example, tmp_path):
    r = dreamreel("render", example, "--engine", "sd", "-o", tmp_path / "o.mp4",
                  env={"DREAMREEL_MODELS_DIR": str(tmp_path / "models")})
    refused(r, "dreamreel models download sd-turbo", "Non-Commercial")
    assert not (tmp_path / "o.mp4").exists()


def test_rife_is_sds_default_and_missing_weights_are_one_line_not_a_failure(example, tmp_path):
    tiny = make_tiny_sd(tmp_path / "tiny-sd")
    out = tmp_path / "out.mp4"
    r = dreamreel("render", example, "--engine", "sd", "--sd-model", tiny, "--size", "32x32", "--fps", "4",
                  "--to", "2", "--quiet", "-o", out,
                  env={"DREAMREEL_MODELS_DIR": str(tmp_path / "models"), "DREAMREEL_RIFE_WEIGHTS": ""}, timeout=900)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    lines = [line for line in r.stderr.splitlines() if "RIFE" in line]
    assert len(lines) == 1, r.stderr
    assert "not found" in lines[0] and "`dreamreel models download rife`" in lines[0], lines[0]
    # Nothing else but Dreamreel's own lines: no library progress bars or warnings on loading.
    others = [line for line in r.stderr.splitlines() if not line.startswith(("dreamreel render:", "sd:", "memory:", "wrote"))]
    assert not others, r.stderr
    assert len(read_video_frames(out, 32, 32)) == 8


def test_auto_interpolation_is_the_engines_default_and_the_projects_choice_wins(tmp_path, monkeypatch):
    from dreamreel.core.engine.interpolate import settle_interpolation
    from dreamreel.core.project import RenderSettings

    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path))
    monkeypatch.delenv("DREAMREEL_RIFE_WEIGHTS", raising=False)
    said = []
    sd, vq = RenderSettings(engine="sd"), RenderSettings(engine="vqgan-clip")
    assert sd.interpolation == vq.interpolation == "auto"  # a new project leaves it to the engine
    assert settle_interpolation(sd, said.append) == "linear" and len(said) == 1  # no weights: blends, one line
    assert settle_interpolation(sd, said.append, rife_given=True) == "rife"
    write_random_rife(tmp_path / "rife425.pth")
    assert settle_interpolation(sd, said.append) == "rife" and len(said) == 1
    assert settle_interpolation(vq, said.append) == "linear"
    for explicit in ("linear", "slerp", "latent", "rife"):
        assert settle_interpolation(RenderSettings(engine="sd", interpolation=explicit), said.append) == explicit
    assert len(said) == 1
