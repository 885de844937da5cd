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


def test_cli_download_fetches_preset_and_trusts_it(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path))
    p = models.PRESETS["vqgan_imagenet_f16_1024"]
    fake = models.Preset(p.name, p.description,
                         models.ModelFile(p.config.filename, (server.url + "/gone", server.url + "/file")),
                         models.ModelFile(p.ckpt.filename, (server.url + "/file",), size=len(DATA)), p.params)
    monkeypatch.setitem(models.PRESETS, p.name, fake)
    assert main(["models", "download", p.name, "--quiet"]) == 0
    assert (tmp_path / p.ckpt.filename).read_bytes() == DATA
    assert models.is_trusted(tmp_path / p.ckpt.filename)  # unverified preset: trusted on first download
    capsys.readouterr()
    assert main(["models", "path", p.name]) == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / p.config.filename), str(tmp_path / p.ckpt.filename)]
