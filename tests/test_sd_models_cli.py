"""`dreamreel models list|download` for the SD presets, the LCM-LoRA and RIFE (no network: the
hub and the mirrors are stood in for)."""

from __future__ import annotations

import shutil

import pytest

from dreamreel.core.cli.main import main
from test_rife import write_random_rife
from tiny_sd import make_tiny_sd
from http_helpers import server  # noqa: F401 - a fixture


@pytest.fixture(autouse=True)
def _own_models_dir(tmp_path, monkeypatch):
    """A models dir of this test's own (the session's shared one may hold other tests' files)."""
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # download records of this test's own


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


def test_download_rife_checks_the_weights_load(tmp_path, server, capsys):
    """The user's own mirror (--url, plain http with --sha256): bytes that are not IFNet's
    weights never land, good ones do, and a later run keeps them."""
    import hashlib

    from dreamreel.core.engine.models import models_dir

    good = write_random_rife(tmp_path / "good.pth").read_bytes()
    server.files.update({"/junk": b"x" * 99, "/good": good})
    junk_sha = hashlib.sha256(b"x" * 99).hexdigest()
    assert main(["models", "download", "rife", "--quiet", "--url", server.url + "/junk", "--sha256", junk_sha]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "rife425.pth" in err[0]
    assert not any(models_dir().glob("rife425.pth*"))  # a bad download is not left behind, nor its .part
    sha = hashlib.sha256(good).hexdigest()
    assert main(["models", "download", "rife", "--quiet", "--url", server.url + "/good", "--sha256", sha]) == 0
    assert (models_dir() / "rife425.pth").read_bytes() == good
    assert main(["models", "download", "rife"]) == 0
    assert len(server.requests) == 2  # the good file was kept, not fetched again
    assert main(["models", "list"]) == 0
    row = next(ln for ln in capsys.readouterr().out.splitlines() if ln.split()[0] == "rife")
    assert "present" in row


@pytest.mark.parametrize("name", ["no-such-model"])
def test_unknown_name_is_one_line(name, capsys):
    assert main(["models", "download", name]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
