"""A local HTTP server on 127.0.0.1 serving model-like bytes, for download tests (no network)."""

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

DATA = bytes(range(256)) * 400  # 100 KiB
SHA = hashlib.sha256(DATA).hexdigest()
SLOW_FIRST = 1 << 16


class Handler(BaseHTTPRequestHandler):
    """Serves DATA at /file (with Range), /norange (ignores Range), /bad (other bytes); 404 else.
    /slow sends the first 64 KiB, then waits for `server.release` before the rest."""

    def do_GET(self):
        self.server.requests.append((self.path, self.headers.get("Range")))
        body = {"/file": DATA, "/slow": DATA, "/norange": DATA, "/bad": DATA[::-1]}.get(self.path)
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
        if self.path == "/slow" and len(body) > SLOW_FIRST:
            self.wfile.write(body[:SLOW_FIRST])
            self.wfile.flush()
            self.server.release.wait(10)
            body = body[SLOW_FIRST:]
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A ThreadingHTTPServer on 127.0.0.1 with `.url`, `.requests` (path, Range) and `.release`."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.requests = []
    httpd.release = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def local_preset(monkeypatch, url: str, ckpt_url: str | None = None, name: str = "vqgan_imagenet_f16_1024"):
    """Point a preset's config (and checkpoint: `ckpt_url`, else the same) at local URLs serving DATA,
    with its size and sha256 known (so plain http is allowed)."""
    from dreamreel.core.engine import models

    p = models.PRESETS[name]
    fake = models.Preset(p.name, p.description,
                         models.ModelFile(p.config.filename, (url,), size=len(DATA), sha256=SHA),
                         models.ModelFile(p.ckpt.filename, (ckpt_url or url,), size=len(DATA), sha256=SHA), p.params)
    monkeypatch.setitem(models.PRESETS, name, fake)
    return fake
