"""No checkpoint ever runs code: hostile pickles (a marker written by `__reduce__`) as VQGAN and
CLIP files, with forged sidecars and their hashes in every trust store, through the CLI as a
subprocess (`render --dry-run`, a real render, `models convert`) and the editor's render worker."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from dreamreel.core.project import Block, Project, load_project, save_project
from hostile_models import make_hostile
from tiny_models import make_tiny_models, tiny_settings


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_models(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def hostile(tiny, tmp_path):
    return make_hostile(tmp_path / "shared", tiny, models_dir=tmp_path / "models")


def cli(*argv, env=None, timeout=300):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "dreamreel.core.cli.main", *argv], capture_output=True,
                          text=True, env=e, timeout=timeout)


def tiny_project(tmp_path, tiny, seconds=2) -> str:
    project = Project(blocks=[Block(f"red sunset {i}", i * 1000, (i + 1) * 1000, id=f"b{i}")
                              for i in range(seconds)], title="t")
    project.render = tiny_settings(clip_model=str(tiny["clip_config"]), fps=2, keyframes_per_second=1.0)
    save_project(project, tmp_path / "p.dreamreel")
    return str(tmp_path / "p.dreamreel")


def test_the_payloads_do_run_when_fully_unpickled(tiny, tmp_path):
    """The attack is real: torch's full unpickler writes the marker."""
    paths = make_hostile(tmp_path / "proof", tiny)
    torch.load(paths["vqgan"], weights_only=False)
    assert paths["marker"].read_text() == "code ran"
    paths["marker"].unlink()
    torch.load(paths["clip"], weights_only=False)
    assert paths["marker"].exists()


def test_cli_dry_run_and_render_with_hostile_vqgan_and_clip_run_no_code(tiny, hostile, tmp_path):
    project = tiny_project(tmp_path, tiny)
    env = {"DREAMREEL_MODELS_DIR": str(tmp_path / "models"), "DREAMREEL_TRUST_CHECKPOINTS": "1"}
    files = ["--engine", "vqgan-clip", "--vqgan-config", str(hostile["vqgan_config"]),
             "--vqgan-ckpt", str(hostile["vqgan"]), "--clip-ckpt", str(hostile["clip"])]
    dry = cli("render", project, "--dry-run", *files, env=env)
    assert dry.returncode == 0, dry.stderr
    assert "keyframes to render" in dry.stderr and not hostile["marker"].exists()
    out = tmp_path / "out.mp4"
    real = cli("render", project, "-o", str(out), "--quiet", "--device", "cpu", *files, env=env)
    assert real.returncode == 0, real.stderr
    assert out.stat().st_size > 0 and not hostile["marker"].exists()
    # The env var that used to unlock full unpickling is gone; the blocked payload is refused.
    blocked = cli("render", project, "--dry-run", "--engine", "vqgan-clip", "--vqgan-config",
                  str(hostile["vqgan_config"]), "--vqgan-ckpt", str(hostile["vqgan_blocked"]),
                  "--clip-ckpt", str(hostile["clip"]), env=env)
    lines = blocked.stderr.strip().splitlines()
    assert blocked.returncode == 2 and len(lines) == 1, blocked.stderr
    assert "blocked_vqgan.ckpt" in lines[0] and "refused by the safe loader" in lines[0]
    assert "Traceback" not in blocked.stderr and not hostile["marker"].exists()


def test_cli_convert_makes_a_safetensors_copy_that_later_loads_use(tiny, hostile, tmp_path):
    from dreamreel.core.engine import checkpoint

    done = cli("models", "convert", str(hostile["vqgan"]))
    assert done.returncode == 0, done.stderr
    copy = __import__("pathlib").Path(done.stdout.strip())
    assert copy.suffix == ".safetensors" and copy.parent == checkpoint.converted_dir()
    assert not hostile["marker"].exists()
    assert checkpoint.converted_copy(hostile["vqgan"]) == copy
    ref = torch.load(tiny["vqgan_ckpt"], weights_only=True)["state_dict"]
    got = checkpoint.read_tensors(hostile["vqgan"])
    assert set(got) == set(ref) and all(torch.equal(got[k], ref[k]) for k in ref)
    # later loads read the copy, not the pickle
    seen = []
    real = checkpoint.read_safetensors
    checkpoint.read_safetensors = lambda p: seen.append(p) or real(p)
    try:
        checkpoint.read_tensors(hostile["vqgan"])
    finally:
        checkpoint.read_safetensors = real
    assert seen == [copy]
    out = tmp_path / "clip.safetensors"
    done = cli("models", "convert", str(hostile["clip"]), "-o", str(out))
    assert done.returncode == 0 and out.is_file() and not hostile["marker"].exists()
    from dreamreel.core.engine.clip_model import load_clip

    clip, _ = load_clip(str(tiny["clip_config"]), None, ckpt=out)
    assert clip.image_size == 32
    bad = cli("models", "convert", str(tmp_path / "nope.ckpt"))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_refused_clip_file_is_one_line(tiny, tmp_path):
    bad = tmp_path / "bad_clip.pt"
    bad.write_bytes(b"<html>not weights</html>")
    project = tiny_project(tmp_path, tiny)
    got = cli("render", project, "--dry-run", "--engine", "vqgan-clip", "--vqgan-config", str(tiny["vqgan_config"]),
              "--vqgan-ckpt", str(tiny["vqgan_ckpt"]), "--clip-ckpt", str(bad))
    lines = got.stderr.strip().splitlines()
    assert got.returncode == 2 and len(lines) == 1 and "bad_clip.pt" in lines[0], got.stderr
    assert "CLIP" in lines[0] and "Traceback" not in got.stderr


def test_editor_render_worker_with_hostile_models_runs_no_code(qtbot, tiny, hostile, tmp_path, monkeypatch):
    from editor_conftest_helpers import close_window, make_project_file, open_window

    monkeypatch.setenv("DREAMREEL_VQGAN_CONFIG", str(hostile["vqgan_config"]))
    monkeypatch.setenv("DREAMREEL_VQGAN_CKPT", str(hostile["vqgan"]))
    monkeypatch.setenv("DREAMREEL_CLIP_CKPT", str(hostile["clip"]))
    monkeypatch.setenv("DREAMREEL_TRUST_CHECKPOINTS", "1")
    (tmp_path / "song").mkdir()
    path = make_project_file(tmp_path / "song")
    project = load_project(path)
    project.render = tiny_settings(clip_model=str(tiny["clip_config"]), fps=2, keyframes_per_second=1.0)
    save_project(project, path)
    window = open_window(qtbot, path, render=True)
    try:
        rc = window.render_controller
        assert window.document.project.render.engine == "vqgan-clip"
        window.document.select(["one"])
        outcome = []
        rc.failed.connect(outcome.append)
        rc.finished.connect(lambda *a: outcome.append("finished"))
        window.actions["render_selection"].trigger()
        qtbot.waitUntil(lambda: bool(outcome), timeout=240_000)
        assert outcome == ["finished"]
        qtbot.waitUntil(lambda: not rc.states_pending(), timeout=60_000)
        assert rc.current_states()["one"][0] == "cached"
        assert not hostile["marker"].exists()
    finally:
        close_window(window)
