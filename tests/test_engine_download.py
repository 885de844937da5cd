"""Downloads against a local HTTP server on 127.0.0.1: resume, hash check, mirror fallback."""

import pytest

from dreamreel.core.cli.main import main
from dreamreel.core.engine import models
from dreamreel.core.engine.download import DownloadError, download_preset, fetch, fetch_url
from dreamreel.core.errors import Cancelled
from http_helpers import DATA, SHA, fake_hub, serve_tiny_preset, server  # noqa: F401 - server is a fixture
from tiny_models import make_tiny_models


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    """Download records of this test's own (another test's record would be a known hash here)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / ".data"))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_models(tmp_path_factory.mktemp("tiny"))


def test_resume_after_truncated_part(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    (tmp_path / "m.ckpt.part").write_bytes(DATA[:30000])
    assert fetch_url(server.url + "/file", dest, sha256=SHA, timeout=5) == SHA
    assert dest.read_bytes() == DATA and not (tmp_path / "m.ckpt.part").exists()
    assert server.requests == [("/file", "bytes=30000-")]


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    (tmp_path / "m.ckpt.part").write_bytes(b"junk" * 100)
    fetch_url(server.url + "/norange", dest, sha256=SHA, timeout=5)
    assert dest.read_bytes() == DATA


def test_complete_part_is_finished_without_refetching(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    (tmp_path / "m.ckpt.part").write_bytes(DATA)
    fetch_url(server.url + "/file", dest, sha256=SHA, timeout=5)
    assert dest.read_bytes() == DATA


def test_hash_mismatch_rejected_and_part_removed(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    with pytest.raises(DownloadError, match="failed verification"):
        fetch_url(server.url + "/bad", dest, sha256=SHA, timeout=5)
    assert not dest.exists() and not (tmp_path / "m.ckpt.part").exists()


def test_mirrors_tried_in_order_until_one_verifies(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    logs = []
    mirrors = (server.url + "/gone", server.url + "/bad", server.url + "/file")
    assert fetch(mirrors, dest, sha256=SHA, timeout=5, log=logs.append) == SHA
    assert dest.read_bytes() == DATA
    assert [p for p, _ in server.requests] == ["/gone", "/bad", "/file"] and len(logs) == 2


def test_all_mirrors_failing_is_one_line(server, tmp_path):
    with pytest.raises(DownloadError) as err:
        fetch((server.url + "/gone", server.url + "/bad"), tmp_path / "m.ckpt", sha256=SHA, timeout=5, log=None)
    assert "no mirror worked" in str(err.value) and "\n" not in str(err.value)


def test_cli_download_fetches_preset(server, tmp_path, monkeypatch, capsys, tiny):
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path))
    cfg, ckpt = tiny["vqgan_config"].read_bytes(), tiny["vqgan_ckpt"].read_bytes()
    calls = fake_hub(tmp_path, monkeypatch, {"c.yaml": cfg, "m.ckpt": ckpt}, server)
    p = models.PRESETS["vqgan_imagenet_f16_1024"]
    fake = models.Preset(p.name, p.description,
                         models.ModelFile(p.config.filename, (server.url + "/file", "hf://o/r/c.yaml")),
                         models.ModelFile(p.ckpt.filename, ("hf://o/r/m.ckpt",), size=len(ckpt)), p.params)
    monkeypatch.setitem(models.PRESETS, p.name, fake)
    assert main(["models", "download", p.name, "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")  # --quiet: nothing but errors
    assert (tmp_path / p.ckpt.filename).read_bytes() == ckpt
    assert calls == [("o/r", "c.yaml"), ("o/r", "m.ckpt")]  # the unverified http mirror was skipped
    assert server.requests == []
    assert main(["models", "path", p.name]) == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / p.config.filename), str(tmp_path / p.ckpt.filename)]


def test_hub_file_failing_the_hubs_own_sha256_is_refused_and_dropped(server, tmp_path, monkeypatch):
    from dreamreel.core.engine import download

    fake_hub(tmp_path, monkeypatch, server=server)
    import huggingface_hub

    real = huggingface_hub.hf_hub_download

    def tampered(repo_id, filename, **kw):  # the cache holds other bytes than the hub announced
        path = real(repo_id, filename, **kw)
        open(path, "r+b").write(b"X")
        return path

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", tampered)
    with pytest.raises(DownloadError, match="is not the hub's") as err:
        download.fetch(("hf://o/r/m.ckpt",), tmp_path / "m.ckpt", log=None)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "m.ckpt").exists() and not any((tmp_path / "hub").rglob("m.ckpt"))  # dropped


def test_unverified_file_is_never_fetched_over_plain_http(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path))
    with pytest.raises(DownloadError, match="plain http"):
        fetch((server.url + "/file",), tmp_path / "m.ckpt", timeout=5, log=None)
    assert server.requests == [] and not (tmp_path / "m.ckpt").exists()
    # A known sha256 checks the bytes, so http is fine then.
    assert fetch((server.url + "/file",), tmp_path / "m.ckpt", sha256=SHA, timeout=5) == SHA
    assert not any(url.startswith("http://") for p in models.PRESETS.values()
                   for f in (p.config, p.ckpt) if f.sha256 is None for url in f.mirrors)


def test_interrupted_hub_copy_leaves_no_part_for_a_range_resume(server, tmp_path, monkeypatch):
    from dreamreel.core.engine import download

    fake_hub(tmp_path, monkeypatch)

    def copy_half(src, dst):
        with open(dst, "wb") as f:
            f.write(open(src, "rb").read()[: len(DATA) // 2])
        raise OSError("disk full")

    real_copy = download.shutil.copyfile
    monkeypatch.setattr(download.shutil, "copyfile", copy_half)
    dest = tmp_path / "m.ckpt"
    with pytest.raises(download.LocalFileError, match="disk full"):
        download.fetch_hub("hf://o/r/m.ckpt", dest)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hub"]  # no dest, no dest.part, no temp
    monkeypatch.setattr(download.shutil, "copyfile", real_copy)
    # An existing .part of an earlier URL download is left alone by a hub fetch.
    (tmp_path / "m.ckpt.part").write_bytes(DATA[:1000])
    assert download.fetch_hub("hf://o/r/m.ckpt", dest, sha256=SHA) == SHA
    assert dest.read_bytes() == DATA and (tmp_path / "m.ckpt.part").read_bytes() == DATA[:1000]


def test_download_preset_reports_progress_and_returns_paths(server, tmp_path, monkeypatch, tiny):
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path))
    p, cfg, ckpt = serve_tiny_preset(monkeypatch, server, tiny)
    (tmp_path / p.config.filename).write_bytes(cfg)  # already present and good: kept, not fetched
    calls = []
    paths = download_preset(p.name, progress=lambda *a: calls.append(a), log=None)
    assert paths == [tmp_path / p.config.filename, tmp_path / p.ckpt.filename]
    assert (tmp_path / p.ckpt.filename).read_bytes() == ckpt
    assert [r[0] for r in server.requests] == ["/ckpt"] and calls[0][1:] == (len(ckpt), p.ckpt.filename)
    assert calls[-1] == (len(ckpt), len(ckpt), p.ckpt.filename)
    assert [d for d, _, _ in calls] == sorted(d for d, _, _ in calls)


def test_cancelled_download_keeps_part_and_resumes(server, tmp_path, monkeypatch, tiny):
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path))
    p, cfg, ckpt = serve_tiny_preset(monkeypatch, server, tiny)
    calls = []
    with pytest.raises(Cancelled):
        download_preset(p.name, progress=lambda *a: calls.append(a), cancel=lambda: len(calls) >= 3, log=None)
    part = tmp_path / (p.ckpt.filename + ".part")
    assert not (tmp_path / p.ckpt.filename).exists()  # never a half file under the final name
    kept = part.stat().st_size
    assert 0 < kept < len(ckpt) and part.read_bytes() == ckpt[:kept]
    assert len(server.requests) == 2  # config, then the checkpoint: a cancel does not fall through
    download_preset(p.name, log=None)
    assert (tmp_path / p.ckpt.filename).read_bytes() == ckpt and not part.exists()
    assert server.requests[2] == ("/ckpt", f"bytes={kept}-")
