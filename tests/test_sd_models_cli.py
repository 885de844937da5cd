"""`dreamreel models list|download` for the SD presets, the LCM-LoRA and RIFE (no network: the
hub and the mirrors are stood in for)."""

from __future__ import annotations

import shutil

import pytest

from dreamreel.core.cli.main import main
from test_rife import write_random_rife
from tiny_sd import make_tiny_sd


@pytest.fixture(autouse=True)
def _own_models_dir(tmp_path, monkeypatch):
    """A models dir of this test's own (the session's shared one may hold other tests' files)."""
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path / "models"))


def test_list_shows_sd_presets_with_their_licences_and_rife(capsys):
    assert main(["models", "list"]) == 0
    rows = {ln.split()[0]: ln for ln in capsys.readouterr().out.splitlines()[1:]}
    assert "missing" in rows["sd-turbo"] and "Non-Commercial" in rows["sd-turbo"] and "(default)" in rows["sd-turbo"]
    assert "Non-Commercial" in rows["sdxl-turbo"] and "OpenRAIL-M" in rows["sd15"]
    assert "lcm-lora-sdv1-5" in rows and "MIT" in rows["rife"] and "missing" in rows["rife"]


def test_download_sd_preset_fetches_only_fp16_safetensors_then_it_is_present(tmp_path, monkeypatch, capsys):
    import huggingface_hub

    tiny = make_tiny_sd(tmp_path / "tiny")
    calls = []

    def fake_snapshot(repo, allow_patterns=None, local_dir=None, **kw):
        calls.append((repo, allow_patterns, kw))
        shutil.copytree(tiny, local_dir, dirs_exist_ok=True)
        return str(local_dir)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot)
    assert main(["models", "download", "sd-turbo", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "licence" in out and "Non-Commercial" in out
    repo, patterns, _ = calls[0]
    assert repo == "stabilityai/sd-turbo"
    weights = [p for p in patterns if p.endswith(".safetensors")]
    assert weights and all(p.endswith(".fp16.safetensors") for p in weights)
    assert not any("safety_checker" in p or p.endswith((".bin", ".ckpt")) for p in patterns)
    assert main(["models", "list"]) == 0
    row = next(ln for ln in capsys.readouterr().out.splitlines() if ln.split()[0] == "sd-turbo")
    assert "present" in row


def test_download_rife_checks_the_weights_load(tmp_path, monkeypatch, capsys):
    from dreamreel.core.engine import download
    from dreamreel.core.engine.models import models_dir

    good = write_random_rife(tmp_path / "good.pth")
    monkeypatch.setattr(download, "fetch", lambda mirrors, dest, **kw: dest.parent.mkdir(parents=True, exist_ok=True) or dest.write_bytes(b"x" * 99))
    assert main(["models", "download", "rife", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "rife425.pth" in err[0]
    assert not (models_dir() / "rife425.pth").exists()  # a bad download is not left behind
    monkeypatch.setattr(download, "fetch", lambda mirrors, dest, **kw: shutil.copyfile(good, dest))
    assert main(["models", "download", "rife", "--quiet"]) == 0
    assert (models_dir() / "rife425.pth").is_file()
    assert main(["models", "list"]) == 0
    row = next(ln for ln in capsys.readouterr().out.splitlines() if ln.split()[0] == "rife")
    assert "present" in row


@pytest.mark.parametrize("name", ["no-such-model"])
def test_unknown_name_is_one_line(name, capsys):
    assert main(["models", "download", name]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
