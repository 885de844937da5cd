"""`dreamreel models download|verify clip:MODEL/TAG` against a stand-in hub (a tiny open_clip
model registered with a pretrained tag; huggingface_hub's download and metadata replaced, the
endpoint a local server): the hub's own sha256/size and open_clip's acceptance decide, a
refused file is one line and leaves the cache, a broken cached file is fetched again, and a
hostile pickle (its hash in every trust store) never runs code. Also a hostile checkpoint
downloaded as a VQGAN preset through the CLI subprocess."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from dreamreel.core.cli.main import main
from dreamreel.core.engine import checkpoint, models
from hostile_models import make_hostile
from http_helpers import fake_hub, server  # noqa: F401 - server is a fixture
from tiny_models import make_tiny_models

NAME = "clip:TinyCLIP/tiny"
WEIGHTS = "open_clip_pytorch_model.bin"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_models(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def hub(tmp_path, monkeypatch, server, tiny):
    """The tiny CLIP published as pretrained tag `tiny` of repo o/tiny (weights as .bin)."""
    import open_clip
    from open_clip import pretrained

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    open_clip.add_model_config(tiny["clip_config"])
    monkeypatch.setitem(pretrained._PRETRAINED, "TinyCLIP", {"tiny": {"hf_hub": "o/tiny/", "quick_gelu": False}})
    files = {WEIGHTS: tiny["clip_ckpt"].read_bytes()}
    calls = fake_hub(tmp_path, monkeypatch, files, server)
    return files, calls, tmp_path / "hub"


def test_clip_download_verifies_against_the_hub_and_open_clip(hub, tiny, capsys):
    files, calls, cache = hub
    files[WEIGHTS] = tiny["vqgan_ckpt"].read_bytes()  # a real checkpoint, of another model
    assert main(["models", "download", NAME, "--quiet"]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1 and "does not fit CLIP" in lines[0] and "removed from the cache" in lines[0]
    assert not list(cache.rglob(WEIGHTS)) and models.recorded(NAME) is None
    files[WEIGHTS] = tiny["clip_ckpt"].read_bytes()
    assert main(["models", "download", NAME]) == 0
    path = capsys.readouterr().out.strip()
    assert path.endswith(WEIGHTS) and open(path, "rb").read() == files[WEIGHTS]
    rec = models.recorded(NAME)
    assert rec["sha256"] == hashlib.sha256(files[WEIGHTS]).hexdigest() and rec["source"] == f"hf://o/tiny/{WEIGHTS}"
    assert checkpoint.converted_copy(path) is not None  # a pickle: later loads read the safetensors copy
    assert main(["models", "download", NAME]) == 0
    assert capsys.readouterr().out.strip() == f"{path} (already present)" and len(calls) == 2
    assert main(["models", "verify", NAME]) == 0
    # The cached file breaks: verify says so in one line, the next download fetches it again.
    with open(path, "r+b") as f:
        f.seek(100)
        f.write(b"garbage")
    assert main(["models", "verify", NAME]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "broken" in lines[0] and f"models download {NAME}" in lines[0]
    assert main(["models", "download", NAME]) == 0
    assert "(already present)" not in capsys.readouterr().out and len(calls) == 3
    assert open(path, "rb").read() == files[WEIGHTS]


def test_clip_file_other_than_the_hub_announced_is_refused(hub, monkeypatch, capsys):
    import huggingface_hub

    files, calls, cache = hub
    real = huggingface_hub.hf_hub_download

    def swapped(repo_id, filename, **kw):  # a proxy or a corrupted cache serves other bytes
        path = real(repo_id, filename, **kw)
        data = bytearray(open(path, "rb").read())
        data[-1] ^= 1
        open(path, "wb").write(bytes(data))
        return path

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", swapped)
    assert main(["models", "download", NAME, "--quiet"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "is not the hub's" in lines[0] and not list(cache.rglob(WEIGHTS))


def test_hostile_clip_pickle_from_the_hub_runs_no_code(hub, tiny, tmp_path, capsys):
    files, calls, cache = hub
    evil = make_hostile(tmp_path / "evil", tiny, models_dir=tmp_path / "models")
    files[WEIGHTS] = evil["clip"].read_bytes()
    models.record_verified(NAME, len(files[WEIGHTS]), hashlib.sha256(files[WEIGHTS]).hexdigest(), "forged")
    assert main(["models", "download", NAME]) == 0  # its tensors fit; the payload is a dropped stub
    path = capsys.readouterr().out.strip()
    assert main(["models", "verify", NAME]) == 0
    from dreamreel.core.engine.clip_model import load_clip

    load_clip("TinyCLIP", "tiny")
    assert checkpoint.converted_copy(path) is not None and not evil["marker"].exists()


def cli(*argv, env=None, timeout=300):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "dreamreel.core.cli.main", *argv], capture_output=True,
                          text=True, env=e, timeout=timeout)


def test_hostile_vqgan_checkpoint_downloaded_and_verified_through_the_cli_runs_no_code(server, tiny, tmp_path):
    """The user's own mirror serves a checkpoint whose pickle writes a marker when unpickled;
    its hash is in every trust store (forged sidecar, old trusted.json, hash cache, and this
    user's verified-download record)."""
    mdir = tmp_path / "models"
    evil = make_hostile(tmp_path / "evil", tiny, models_dir=mdir)
    name = "vqgan_imagenet_f16_1024"
    (mdir / f"{name}.yaml").write_bytes(tiny["vqgan_config"].read_bytes())  # present and good: kept
    data = evil["vqgan"].read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    server.files["/evil"] = data
    env = {"DREAMREEL_MODELS_DIR": str(mdir), "XDG_DATA_HOME": str(tmp_path / "data")}
    (tmp_path / "data" / "dreamreel").mkdir(parents=True)
    (tmp_path / "data" / "dreamreel" / "verified.json").write_text(json.dumps(
        {f"{name}/{name}.ckpt": {"size": len(data), "sha256": sha, "source": "forged", "when": "2020-01-01"}}))
    (mdir / f"{name}.ckpt.sha256").write_text(json.dumps({"size": len(data), "sha256": sha}))
    got = cli("models", "download", name, "--url", server.url + "/evil", "--sha256", sha, env=env)
    assert got.returncode == 0, got.stderr
    assert (mdir / f"{name}.ckpt").read_bytes() == data and not evil["marker"].exists()
    got = cli("models", "verify", name, env=env)
    assert got.returncode == 0 and got.stdout.count("ok  ") == 2, got.stderr
    got = cli("models", "verify", str(evil["vqgan_blocked"]), env=env)  # os.system: refused outright
    lines = got.stderr.strip().splitlines()
    assert got.returncode == 2 and len(lines) == 1 and "refused by the safe loader" in lines[0]
    assert "Traceback" not in got.stderr and not evil["marker"].exists()
