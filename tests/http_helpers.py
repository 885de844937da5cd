"""Local HTTP(S) servers on 127.0.0.1 serving model-like bytes, for download tests (no network).

`server.files` maps a path to its bytes (DATA at /file, other bytes at /bad by default). What a
request gets is chosen by its query string, so one server plays every broken host:

    ?norange      ignore Range (always 200 with the whole body)
    ?slow         send 64 KiB, then wait for `server.release` (10 s at most) before the rest
    ?drop=N       send at most N body bytes per request, then close the connection
    ?trickle      send one byte every 50 ms, forever
    ?len=K        announce Content-Length K bytes off the truth (K may be negative)
    ?html         a 200 text/html error page;  ?htmlbytes: the same page as octet-stream
    ?badstart     answer a Range with a 206 that starts 100 bytes early
    ?redirect=URL a 302 to URL
    ?status=N     that status, no body

`server.requests` logs (path with query, Range header). `/slow` and `/norange` are aliases.
"""

import hashlib
import shutil
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

DATA = bytes(range(256)) * 400  # 100 KiB
SHA = hashlib.sha256(DATA).hexdigest()
SLOW_FIRST = 1 << 16
HTML = b"<!DOCTYPE html><html><body>Rate limit exceeded. Please log in.</body></html>"


class Handler(BaseHTTPRequestHandler):

    def do_GET(self):
        self.server.requests.append((self.path, self.headers.get("Range")))
        parts = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        path = {"/slow": "/file", "/norange": "/file"}.get(parts.path, parts.path)
        if parts.path == "/slow":
            q.setdefault("slow", "")
        if parts.path == "/norange":
            q.setdefault("norange", "")
        if "status" in q:
            self._send_status(int(q["status"]))
            return
        if "redirect" in q:
            self.send_response(302)
            self.send_header("Location", q["redirect"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if "html" in q or "htmlbytes" in q:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8" if "html" in q else "application/octet-stream")
            self.send_header("Content-Length", str(len(HTML)))
            self.end_headers()
            self.wfile.write(HTML)
            return
        body = self.server.files.get(path)
        if body is None:
            self._send_status(404)
            return
        rng = self.headers.get("Range")
        if rng and "norange" not in q:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if "badstart" in q:
                start = max(0, start - 100)
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            body = body[start:]
        else:
            self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body) + int(q.get("len", 0))))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            if "trickle" in q:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.05)
                return
            if "drop" in q:
                self.wfile.write(body[: int(q["drop"])])
                self.wfile.flush()
                self.close_connection = True
                return
            if "slow" in q and len(body) > SLOW_FIRST:
                self.wfile.write(body[:SLOW_FIRST])
                self.wfile.flush()
                self.server.stalled.set()
                self.server.release.wait(10)
                self.server.resumed.set()
                body = body[SLOW_FIRST:]
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass  # the client hung up: what these tests want to see

    def _send_status(self, code: int) -> None:
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _serve(context: ssl.SSLContext | None = None):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.requests = []
    httpd.files = {"/file": DATA, "/bad": DATA[::-1]}
    httpd.release = threading.Event()
    httpd.stalled = threading.Event()
    httpd.resumed = threading.Event()  # a /slow handler went on after its wait
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    scheme = "https" if context is not None else "http"
    httpd.url = f"{scheme}://127.0.0.1:{httpd.server_address[1]}"
    return httpd, thread


def _stop(httpd, thread):
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def server():
    """A ThreadingHTTPServer on 127.0.0.1 with `.url`, `.files`, `.requests` and `.release`."""
    httpd, thread = _serve()
    yield httpd
    _stop(httpd, thread)


def make_cert(dir: Path) -> tuple[Path, Path] | None:
    """A self-signed certificate for 127.0.0.1 made with the openssl CLI; None without it."""
    if shutil.which("openssl") is None:
        return None
    cert, key = dir / "cert.pem", dir / "key.pem"
    done = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", str(key), "-out", str(cert)], capture_output=True)
    return (cert, key) if done.returncode == 0 else None


@pytest.fixture
def https_server(tmp_path_factory, monkeypatch):
    """The same server over TLS with a self-signed certificate the client trusts through
    SSL_CERT_FILE (set for this test; `.cert` to pass to subprocesses); skipped without openssl."""
    pair = make_cert(tmp_path_factory.mktemp("tls"))
    if pair is None:
        pytest.skip("no openssl CLI to make a test certificate")
    cert, key = pair
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    httpd, thread = _serve(context)
    httpd.cert = cert
    yield httpd
    _stop(httpd, thread)


def local_preset(monkeypatch, url: str, ckpt_url: str | None = None, name: str = "vqgan_imagenet_f16_1024",
                 known: bool = True, files: tuple[bytes, bytes] = (DATA, DATA)):
    """Point a preset's config (and checkpoint: `ckpt_url`, else the same) at local URLs, with the
    size and sha256 of `files` (config bytes, checkpoint bytes) known when `known`."""
    from dreamreel.core.engine import models

    def facts(data):
        return dict(size=len(data), sha256=hashlib.sha256(data).hexdigest()) if known else {}

    p = models.PRESETS[name]
    fake = models.Preset(p.name, p.description,
                         models.ModelFile(p.config.filename, (url,), **facts(files[0])),
                         models.ModelFile(p.ckpt.filename, (ckpt_url or url,), **facts(files[1])), p.params)
    monkeypatch.setitem(models.PRESETS, name, fake)
    return fake


def serve_tiny_preset(monkeypatch, httpd, tiny: dict, *, name: str = "vqgan_imagenet_f16_1024", known=True,
                      ckpt_query: str = "", ckpt_bytes: bytes | None = None):
    """Serve the tiny VQGAN's yaml and checkpoint at /cfg and /ckpt and point preset `name` at
    them; returns (preset, config bytes, checkpoint bytes)."""
    cfg = Path(tiny["vqgan_config"]).read_bytes()
    ckpt = ckpt_bytes if ckpt_bytes is not None else Path(tiny["vqgan_ckpt"]).read_bytes()
    httpd.files.update({"/cfg": cfg, "/ckpt": ckpt})
    p = local_preset(monkeypatch, httpd.url + "/cfg", httpd.url + "/ckpt" + ckpt_query, name=name, known=known,
                     files=(cfg, ckpt))
    return p, cfg, ckpt


def fake_hub(tmp_path, monkeypatch, files=None, server=None):
    """huggingface_hub standing in for the hub (no network): `hf_hub_download` writes `files`
    (repo path -> bytes; DATA for any other) into a real cache layout under `tmp_path/hub`
    (so `try_to_load_from_cache` finds them), `get_paths_info` gives their size and sha256 as
    the hub's LFS metadata does, and the endpoint is the local `server` (the reachability probe
    passes). Returns the list of (repo, filename) downloads."""
    import huggingface_hub
    from huggingface_hub import constants

    files = files if files is not None else {}
    cache = tmp_path / "hub"
    calls = []

    def download(repo_id, filename, force_download=False, **kw):
        calls.append((repo_id, filename))
        folder = cache / ("models--" + repo_id.replace("/", "--"))
        (folder / "refs").mkdir(parents=True, exist_ok=True)
        (folder / "refs" / "main").write_text("0" * 40)
        path = folder / "snapshots" / ("0" * 40) / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files.get(filename, DATA))
        return str(path)

    class Lfs:
        def __init__(self, data):
            self.sha256, self.size = hashlib.sha256(data).hexdigest(), len(data)

    class Info:
        def __init__(self, path, data):
            self.path, self.size, self.lfs = path, len(data), Lfs(data)

    def paths_info(self, repo, paths, **kw):
        return [Info(p, files.get(p, DATA)) for p in paths if not files or p in files]

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    monkeypatch.setattr(huggingface_hub.HfApi, "get_paths_info", paths_info)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    if server is not None:
        monkeypatch.setattr(constants, "ENDPOINT", server.url)
    return calls
