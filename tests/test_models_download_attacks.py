"""Broken and hostile hosts on 127.0.0.1 (HTTP and HTTPS with a certificate this test makes):
a dropped connection, a trickle, an HTML page, wrong bytes, a wrong Content-Length, a bad
resume splice, an https -> http redirect. Nothing bad ever lands under the final name; a
resume completes to the exact file. Then the CLI as a user runs it: verify, a broken preset
re-fetched, the first verified download recorded, offline in one line, a read-only folder."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading

import pytest

from dreamreel.core.engine import checkpoint, models
from dreamreel.core.engine.download import DownloadError, fetch, fetch_url
from dreamreel.core.errors import Cancelled
from http_helpers import DATA, SHA, https_server, serve_tiny_preset, server  # noqa: F401 - fixtures
from tiny_models import make_tiny_models


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_models(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def mdir(tmp_path, monkeypatch):
    """A models dir and a data dir (records, hash cache, converted copies) of this test's own."""
    d = tmp_path / "models"
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(d))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return d


def landed(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def cli(*argv, env=None, timeout=300):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "dreamreel.core.cli.main", *argv], capture_output=True,
                          text=True, env=e, timeout=timeout)


# --- the transfer itself ---------------------------------------------------------------------


def test_dropped_connections_resume_to_the_exact_file(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    # Every response stops after 30000 bytes: four requests, each resuming where the last ended.
    assert fetch_url(server.url + "/file?drop=30000", dest, sha256=SHA, timeout=5) == SHA
    assert dest.read_bytes() == DATA and not (tmp_path / "m.ckpt.part").exists()
    assert [r for _, r in server.requests] == [None, "bytes=30000-", "bytes=60000-", "bytes=90000-"]


def test_a_host_that_keeps_dropping_keeps_the_part_even_with_a_known_hash(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    (tmp_path / "m.ckpt.part").write_bytes(DATA[:20000])
    with pytest.raises(DownloadError, match="resumes") as err:
        fetch_url(server.url + "/file?drop=0", dest, sha256=SHA, timeout=5, retries=1)
    assert "\n" not in str(err.value) and not dest.exists()
    assert (tmp_path / "m.ckpt.part").read_bytes() == DATA[:20000]  # progress not lost
    assert fetch_url(server.url + "/file", dest, sha256=SHA, timeout=5) == SHA  # the next run resumes
    assert dest.read_bytes() == DATA and server.requests[-1] == ("/file", "bytes=20000-")


def test_a_trickling_host_is_ended_as_stalled(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    with pytest.raises(DownloadError, match="stalled"):
        fetch_url(server.url + "/file?trickle", dest, sha256=SHA, timeout=1, retries=0)
    assert not dest.exists()


def test_cancel_acts_while_the_host_sends_nothing(server, tmp_path):
    """Cancel pressed after the first 64 KiB arrived, while the host holds the rest back (it waits
    for `release`, 10 s at most): the download stops without waiting for more bytes."""
    dest = tmp_path / "m.ckpt"
    stop = threading.Event()

    def progress(done, total, name):
        if done == 1 << 16 and not stop.is_set():  # all the host sends for now is in
            threading.Timer(0.3, stop.set).start()

    with pytest.raises(Cancelled):
        fetch_url(server.url + "/slow", dest, sha256=SHA, progress=progress, cancel=stop.is_set, timeout=30)
    assert not server.resumed.is_set()  # it did not wait for the host's next bytes
    assert (tmp_path / "m.ckpt.part").read_bytes() == DATA[: 1 << 16] and not dest.exists()  # kept for a resume


@pytest.mark.parametrize("query, size, match", [
    ("?html", None, "HTML page"),  # a 200 error page, text/html
    ("?htmlbytes", len(DATA), "HTML page"),  # the same page sent as octet-stream
    ("?len=5000", len(DATA), "offers 107400 bytes"),  # announces more than the known size
    ("?len=-5000", len(DATA), "offers 97400 bytes"),  # announces less than the known size
    ("?len=-5000", None, "failed verification"),  # announces less: complete by its word, wrong hash
])
def test_bad_bodies_never_land(server, tmp_path, query, size, match):
    dest = tmp_path / "m.ckpt"
    with pytest.raises(DownloadError, match=match) as err:
        fetch_url(server.url + "/file" + query, dest, sha256=SHA, size=size, timeout=5, retries=1)
    assert "\n" not in str(err.value) and not dest.exists()


def test_a_content_length_too_large_ends_in_the_exact_file_or_nothing(server, tmp_path):
    """The host announces 5000 bytes more than it has: the early close is taken for a drop, the
    resume finds nothing past the real end (416), and the hash decides."""
    dest = tmp_path / "m.ckpt"
    assert fetch_url(server.url + "/file?len=5000", dest, sha256=SHA, timeout=5) == SHA
    assert dest.read_bytes() == DATA
    server.files["/file"] = DATA[:-1] + b"X"
    dest.unlink()
    with pytest.raises(DownloadError, match="failed verification"):
        fetch_url(server.url + "/file?len=5000", dest, sha256=SHA, timeout=5)
    assert landed(tmp_path) == []


def test_wrong_bytes_with_a_known_hash_are_deleted(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    with pytest.raises(DownloadError, match="failed verification"):
        fetch_url(server.url + "/bad", dest, sha256=SHA, timeout=5)
    assert landed(tmp_path) == []


def test_a_bad_resume_splice_is_caught_and_redone_from_scratch(server, tmp_path):
    dest = tmp_path / "m.ckpt"
    # A .part whose bytes are not the file's (another file, a corrupted earlier try).
    (tmp_path / "m.ckpt.part").write_bytes(DATA[::-1][:40000])
    assert fetch_url(server.url + "/file", dest, sha256=SHA, timeout=5) == SHA
    assert dest.read_bytes() == DATA
    assert [r for _, r in server.requests] == ["bytes=40000-", None]
    # A host answering a Range with other bytes than asked (206 from the wrong offset).
    dest.unlink()
    (tmp_path / "m.ckpt.part").write_bytes(DATA[:40000])
    assert fetch_url(server.url + "/file?badstart", dest, sha256=SHA, timeout=5) == SHA
    assert dest.read_bytes() == DATA


def test_https_redirect_to_plain_http_is_refused(https_server, server, tmp_path):
    dest = tmp_path / "m.ckpt"
    assert fetch_url(https_server.url + "/file", dest, timeout=5) == SHA  # https needs no known hash
    dest.unlink()
    with pytest.raises(DownloadError, match="https to plain http"):
        fetch_url(https_server.url + f"/file?redirect={server.url}/file", dest, sha256=SHA, timeout=5)
    with pytest.raises(DownloadError, match="no mirror worked"):
        fetch((https_server.url + f"/x?redirect={server.url}/file",), dest, timeout=5, log=None)
    assert server.requests == [] and landed(tmp_path) == []


def test_without_a_known_hash_the_structural_check_decides(https_server, tmp_path, tiny):
    from dreamreel.core.engine.model_check import check_vqgan_ckpt

    ckpt = tiny["vqgan_ckpt"].read_bytes()
    https_server.files.update({"/ckpt": ckpt, "/junk": b"PK\x03\x04" + os.urandom(5000)})
    dest = tmp_path / "t.ckpt"

    def check(path):
        check_vqgan_ckpt(path, tiny["vqgan_config"], label=dest.name)

    for query in ("/junk", "/ckpt?len=-100000"):  # bytes that are no checkpoint; a truncated one
        with pytest.raises(DownloadError, match="failed verification") as err:
            fetch_url(https_server.url + query, dest, check=check, timeout=5, retries=0)
        assert "\n" not in str(err.value) and landed(tmp_path) == []
    assert fetch_url(https_server.url + "/ckpt?drop=700000", dest, check=check, timeout=5) == \
        hashlib.sha256(ckpt).hexdigest()
    assert dest.read_bytes() == ckpt


# --- presets, through the CLI ------------------------------------------------------------------


def test_preset_download_records_converts_and_a_broken_file_is_fetched_again(https_server, mdir, tiny,
                                                                             monkeypatch, capsys):
    from dreamreel.core.cli.main import main

    p, cfg, ckpt = serve_tiny_preset(monkeypatch, https_server, tiny, known=False)
    assert main(["models", "download", p.name, "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
    dest = mdir / p.ckpt.filename
    assert dest.read_bytes() == ckpt
    # The first verified download is recorded per user, and later loads use a safetensors copy.
    rec = models.recorded(models.file_key(p.name, p.ckpt))
    assert rec["size"] == len(ckpt) and rec["sha256"] == hashlib.sha256(ckpt).hexdigest()
    assert checkpoint.converted_copy(dest) is not None
    assert main(["models", "list"]) == 0
    assert f"sha256 {rec['sha256']} (recorded by your first verified download" in capsys.readouterr().out
    assert main(["models", "download", p.name]) == 0
    assert capsys.readouterr().out.count("(already present)") == 2
    assert main(["models", "verify", p.name]) == 0
    # A broken file (truncated) is seen by verify, then fetched again instead of "(already present)".
    dest.write_bytes(ckpt[:5000])
    assert main(["models", "verify", p.name]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "broken" in err[0] and f"models download {p.name}" in err[0]
    n = len(https_server.requests)
    assert main(["models", "download", p.name]) == 0
    out, err = capsys.readouterr()
    assert dest.read_bytes() == ckpt and f"{dest} (already present)" not in out and "fetching it again" in err
    assert len(https_server.requests) == n + 1
    # The mirror now serves other (valid-looking) bytes: refused against this user's record.
    dest.unlink()
    https_server.files["/ckpt"] = ckpt[:-4] + b"XXXX"
    assert main(["models", "download", p.name, "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not the expected" in err[0] and not dest.exists()


def test_plain_http_mirror_needs_sha256_and_bad_sha_arg_is_one_line(server, mdir, tiny, monkeypatch, capsys):
    from dreamreel.core.cli.main import main

    p, cfg, ckpt = serve_tiny_preset(monkeypatch, server, tiny)  # config fetched (its hash is known)
    url = server.url + "/ckpt"
    assert main(["models", "download", p.name, "--url", url, "--sha256", "abc"]) == 2
    assert "64 hex digits" in capsys.readouterr().err
    monkeypatch.setitem(models.PRESETS, p.name, models.Preset(p.name, p.description, p.config,
                                                              models.ModelFile(p.ckpt.filename, (url,)), p.params))
    assert main(["models", "download", p.name, "--quiet"]) == 2
    assert "plain http" in capsys.readouterr().err and not (mdir / p.ckpt.filename).exists()
    assert main(["models", "download", p.name, "--quiet", "--url", url,
                 "--sha256", hashlib.sha256(ckpt).hexdigest()]) == 0
    assert (mdir / p.ckpt.filename).read_bytes() == ckpt


def test_verify_a_path(tmp_path, tiny, capsys):
    from dreamreel.core.cli.main import main

    assert main(["models", "verify", str(tiny["vqgan_ckpt"]), "--vqgan-config", str(tiny["vqgan_config"])]) == 0
    assert capsys.readouterr().out.startswith("ok  ")
    assert main(["models", "verify", str(tiny["clip_ckpt"]), "--clip-model", str(tiny["clip_config"])]) == 0
    page = tmp_path / "page.ckpt"
    page.write_bytes(b"<!DOCTYPE html><html>404</html>")
    assert main(["models", "verify", str(page)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "HTML page" in err[0]
    assert main(["models", "verify", str(tiny["vqgan_ckpt"]), "--clip-model", str(tiny["clip_config"])]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not fit CLIP" in err[0]


def test_a_download_into_a_read_only_folder_says_so():
    """Run as an unprivileged user when we are root (root writes anywhere): the message names
    the folder and the permission problem, not the network."""
    import shutil
    import tempfile
    from pathlib import Path

    base = Path(tempfile.mkdtemp(prefix="dreamreel-ro-"))
    try:
        os.chmod(base, 0o755)
        ro = base / "models"
        ro.mkdir()
        os.chmod(ro, 0o555)
        env = dict(os.environ, DREAMREEL_MODELS_DIR=str(ro), HOME=str(base), XDG_DATA_HOME=str(base / "d"),
                   XDG_CACHE_HOME=str(base / "c"), PYTHONDONTWRITEBYTECODE="1")
        preexec = None
        if os.geteuid() == 0:
            def preexec():
                os.setgid(65534)
                os.setuid(65534)
        try:
            got = subprocess.run([sys.executable, "-m", "dreamreel.core.cli.main", "models", "download",
                                  "vqgan_imagenet_f16_1024", "--quiet"], capture_output=True, text=True, env=env,
                                 preexec_fn=preexec, timeout=120)
        except PermissionError as e:
            pytest.skip(f"the unprivileged user cannot run this Python ({e})")
        if "No module named" in got.stderr or "Permission denied: '/" in got.stderr and str(ro) not in got.stderr:
            pytest.skip(f"the unprivileged user cannot run this Python: {got.stderr.strip()[-200:]}")
        lines = got.stderr.strip().splitlines()
        assert got.returncode == 2 and len(lines) == 1, got.stderr
        assert str(ro) in lines[0] and "Permission denied" in lines[0] and "network" not in lines[0]
        assert os.listdir(ro) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_models_folder_that_cannot_be_made_is_a_local_problem(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    got = cli("models", "download", "vqgan_imagenet_f16_1024", "--quiet",
              env={"DREAMREEL_MODELS_DIR": str(blocker / "models")})
    lines = got.stderr.strip().splitlines()
    assert got.returncode == 2 and len(lines) == 1, got.stderr
    assert str(blocker / "models") in lines[0] and "cannot write" in lines[0] and "network" not in lines[0]


# --- offline ----------------------------------------------------------------------------------


def test_offline_clip_download_is_one_line_without_hub_retries(tmp_path):
    closed = __import__("socket").socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: connection refused, as with no network
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(HF_ENDPOINT=f"http://127.0.0.1:{port}", HF_HOME=str(tmp_path / "hf"))
    for extra in ([], ["--quiet"]):
        got = subprocess.run([sys.executable, "-m", "dreamreel.core.cli.main", "models", "download",
                              "clip:ViT-B-32/openai", *extra], capture_output=True, text=True, env=env, timeout=120)
        lines = got.stderr.strip().splitlines()
        assert got.returncode == 2 and len(lines) == 1, got.stderr
        assert "no network" in lines[0] and "Retry" not in got.stderr and "Traceback" not in got.stderr
        assert got.stdout == ""
    got = cli("models", "download", "clip:ViT-B-32/openai", "--quiet", env={"HF_HUB_OFFLINE": "1"})
    lines = got.stderr.strip().splitlines()
    assert got.returncode == 2 and len(lines) == 1 and "HF_HUB_OFFLINE" in lines[0], got.stderr


def test_offline_preset_download_is_one_line_even_with_two_mirrors(mdir, tiny, monkeypatch, capsys):
    """Every mirror unreachable (hosts that cannot resolve, RFC 6761 .invalid): one error line
    naming them, no per-mirror chatter."""
    from dreamreel.core.cli.main import main

    dead = ("https://mirror-a.invalid/a.yaml", "https://mirror-b.invalid/b.yaml")
    p = models.Preset("offline_test", "test", models.ModelFile("offline_test.yaml", dead),
                      models.ModelFile("offline_test.ckpt", dead), {})
    monkeypatch.setitem(models.PRESETS, p.name, p)
    assert main(["models", "download", p.name]) == 2
    got = capsys.readouterr()
    lines = (got.out + got.err).strip().splitlines()
    assert len(lines) == 1 and "no network" in lines[0] and "mirror-a.invalid, mirror-b.invalid" in lines[0], lines
    assert not (mdir / "offline_test.yaml").exists() and not (mdir / "offline_test.ckpt").exists()
