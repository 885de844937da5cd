"""Downloads against a local HTTP server on 127.0.0.1: resume, hash check, mirror fallback."""

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dreamreel.core.cli.main import main
from dreamreel.core.engine import models
from dreamreel.core.engine.download import DownloadError, fetch, fetch_url

DATA = bytes(range(256)) * 400  # 100 KiB
SHA = hashlib.sha256(DATA).hexdigest()


class Handler(BaseHTTPRequestHandler):
    """Serves DATA at /file (with Range), /norange (ignores Range), /bad (other bytes); 404 else."""

    def do_GET(self):
        self.server.requests.append((self.path, self.headers.get("Range")))
        body = {"/file": DATA, "/norange": DATA, "/bad": DATA[::-1]}.get(self.path)
        if body is None:
            self.send_error(404)
            return
        rng = self.headers.get("Range")
        if rng and self.path != "/norange":
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            body = body[start:]
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_resume_after_truncated_part(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    (tmp_path / "m.ckpt.part").write_bytes(DATA[:30000])
    assert fetch_url(server.url + "/file", dest, sha256=SHA, progress=False, timeout=5) == SHA
    assert dest.read_bytes() == DATA and not (tmp_path / "m.ckpt.part").exists()
    assert server.requests == [("/file", "bytes=30000-")]


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    (tmp_path / "m.ckpt.part").write_bytes(b"junk" * 100)
    fetch_url(server.url + "/norange", dest, sha256=SHA, progress=False, timeout=5)
    assert dest.read_bytes() == DATA


def test_complete_part_is_finished_without_refetching(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    (tmp_path / "m.ckpt.part").write_bytes(DATA)
    fetch_url(server.url + "/file", dest, sha256=SHA, progress=False, timeout=5)
    assert dest.read_bytes() == DATA


def test_hash_mismatch_rejected_and_part_removed(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    with pytest.raises(DownloadError, match="failed verification"):
        fetch_url(server.url + "/bad", dest, sha256=SHA, progress=False, timeout=5)
    assert not dest.exists() and not (tmp_path / "m.ckpt.part").exists()


def test_mirrors_tried_in_order_until_one_verifies(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    logs = []
    mirrors = (server.url + "/gone", server.url + "/bad", server.url + "/file")
    assert fetch(mirrors, dest, sha256=SHA, progress=False, timeout=5, log=logs.append) == SHA
    assert dest.read_bytes() == DATA
    assert [p for p, _ in server.requests] == ["/gone", "/bad", "/file"] and len(logs) == 2


def test_all_mirrors_failing_is_one_line(server, tmp_path):
    with pytest.raises(DownloadError) as err:
        fetch((server.url + "/gone", server.url + "/bad"), tmp_path / "m.ckpt", sha256=SHA,
              progress=False, timeout=5, log=None)
    assert "no mirror worked" in str(err.value) and "\n" not in str(err.value)


def fake_hub(tmp_path, monkeypatch, data=DATA):
    """hf_hub_download serving `data` from a local 'hub cache' file (no network)."""
    import huggingface_hub

    cached = tmp_path / "hubcache" / "blob"
    cached.parent.mkdir(exist_ok=True)
    cached.write_bytes(data)
    calls = []

    def download(repo_id, filename, **kw):
        calls.append((repo_id, filename))
        return str(cached)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    return calls


def test_cli_download_fetches_preset_and_trusts_it(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path))
    calls = fake_hub(tmp_path, monkeypatch)
    p = models.PRESETS["vqgan_imagenet_f16_1024"]
    fake = models.Preset(p.name, p.description,
                         models.ModelFile(p.config.filename, (server.url + "/file", "hf://o/r/c.yaml")),
                         models.ModelFile(p.ckpt.filename, ("hf://o/r/m.ckpt",), size=len(DATA)), p.params)
    monkeypatch.setitem(models.PRESETS, p.name, fake)
    assert main(["models", "download", p.name, "--quiet"]) == 0
    assert (tmp_path / p.ckpt.filename).read_bytes() == DATA
    assert models.is_trusted(tmp_path / p.ckpt.filename)  # unverified preset: trusted on first download
    assert calls == [("o/r", "c.yaml"), ("o/r", "m.ckpt")]  # the unverified http mirror was skipped
    assert server.requests == []
    capsys.readouterr()
    assert main(["models", "path", p.name]) == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / p.config.filename), str(tmp_path / p.ckpt.filename)]


def test_unverified_file_is_never_fetched_over_plain_http(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path))
    with pytest.raises(DownloadError, match="plain http"):
        fetch((server.url + "/file",), tmp_path / "m.ckpt", progress=False, timeout=5, log=None)
    assert server.requests == [] and not (tmp_path / "m.ckpt").exists()
    # A known sha256 checks the bytes, so http is fine then.
    assert fetch((server.url + "/file",), tmp_path / "m.ckpt", sha256=SHA, progress=False, timeout=5) == SHA
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
    with pytest.raises(OSError):
        download.fetch_hub("hf://o/r/m.ckpt", dest)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hubcache"]  # no dest, no dest.part, no temp
    monkeypatch.setattr(download.shutil, "copyfile", real_copy)
    # An existing .part of an earlier URL download is left alone by a hub fetch.
    (tmp_path / "m.ckpt.part").write_bytes(DATA[:1000])
    assert download.fetch_hub("hf://o/r/m.ckpt", dest, sha256=SHA) == SHA
    assert dest.read_bytes() == DATA and (tmp_path / "m.ckpt.part").read_bytes() == DATA[:1000]
