"""Fetching model files: the one downloader. A file lands under its final name only verified.

Plain URLs go through urllib into `<name>.part`, resumed with Range requests; `hf://owner/repo/
path` mirrors and CLIP weights through `huggingface_hub` (its cache, its resume). A file lands
(atomic rename) only when

- its byte count equals Content-Length (or Content-Range's total) and the known size,
- its sha256 equals the known one, when one is known (preset, `--sha256`, hub LFS metadata,
  or this user's first verified download),
- and it passes the caller's structural `check(path)` (`model_check`: VQGAN tensors fit the
  config, open_clip accepts a CLIP file, ...). HTML pages are refused at the first bytes.

Redirects never go from https to plain http, and plain http is used only with a known sha256.
A dropped connection keeps the `.part` and resumes it (a few bounded retries, then the next
run resumes); a transfer that brings less than `STALL_BYTES` in `timeout` seconds is ended as
stalled. A watchdog thread polls `cancel()` every 0.1 s and closes the socket, so Cancel acts
at once even while the server sends nothing; the `.part` is kept for a resume. Bytes that
fail the hash or the check are deleted (a resume from them could never succeed).

Long work, Qt-free: `progress(done_bytes, total_bytes, message)` reports each file (message =
its name; total 0 = unknown). `download_preset` is the entry point the CLI (tqdm on top) and
the editor (a progress dialog) share.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import os
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from dreamreel.core.atomic import atomic_path
from dreamreel.core.errors import Cancelled, DreamreelError
from dreamreel.core.hashing import file_sha256
from dreamreel.core.hooks import CancelHook, Progress

CHUNK = 1 << 14  # small reads: progress and cancel checks between them
STALL_BYTES = 1 << 16  # a transfer must bring this much every `timeout` seconds
RETRIES = 3  # consecutive attempts without new bytes before giving up (the .part stays)
MAX_ATTEMPTS = 30
PROBE_TIMEOUT = 3.0
Check = Callable[[Path], None]


class DownloadError(DreamreelError):
    """No mirror gave a good copy of a file."""


class NoNetworkError(DownloadError):
    """The host cannot be reached at all (no DNS, no route, offline mode)."""


class LocalFileError(DreamreelError):
    """The download cannot be written here (permissions, disk full): not a network problem."""


class _Dropped(Exception):
    """The transfer ended early; the `.part` holds what came and a resume may finish it.
    `stalled`: it ended for bringing too little (a retry that trickles is no progress)."""

    def __init__(self, message: str, stalled: bool = False):
        super().__init__(message)
        self.stalled = stalled


def _check(cancel: CancelHook | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled("download cancelled")


def writable_folder(folder: Path, what: str = "models folder") -> None:
    """Create `folder` if needed; LocalFileError naming it when it cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".dreamreel-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise LocalFileError(f"cannot write to the {what} {folder} ({e.strerror or e}); make it writable "
                             "or set DREAMREEL_MODELS_DIR to another folder") from None


def _local(e: OSError, path: Path) -> LocalFileError:
    return LocalFileError(f"cannot write {path} ({e.strerror or e}); free some space or check the folder's "
                          "permissions")


def _why(e: BaseException) -> str:
    reason = getattr(e, "reason", None) or e
    if isinstance(reason, socket.timeout):
        return "timed out"
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return text.splitlines()[0][:200] if text else type(reason).__name__


def _unreachable(e: BaseException) -> bool:
    reason = getattr(e, "reason", e)
    return isinstance(reason, socket.gaierror) or getattr(reason, "errno", None) in (
        errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN)


class _NoDowngrade(urllib.request.HTTPRedirectHandler):
    """Follows redirects, but never from https to plain http, and to http only with a hash."""

    def __init__(self, allow_http: bool):
        self.allow_http = allow_http

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old, new = urlsplit(req.full_url).scheme.lower(), urlsplit(newurl).scheme.lower()
        if new not in ("http", "https"):
            raise DownloadError(f"redirected to {newurl} (not http/https); refused")
        if old == "https" and new == "http":
            raise DownloadError(f"redirected from https to plain http ({newurl}); refused")
        if new == "http" and not self.allow_http:
            raise DownloadError(f"redirected to plain http ({newurl}) and no known sha256 to check it; refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Watch(threading.Thread):
    """Ends a transfer from the side: on cancel, or when fewer than STALL_BYTES arrived in the
    last `timeout` seconds (a server trickling bytes never trips a socket timeout), by shutting
    the socket down, which wakes the blocked read at once."""

    def __init__(self, sock, cancel: CancelHook | None, timeout: float):
        super().__init__(daemon=True, name="dreamreel-download-watch")
        self.sock, self.cancel, self.timeout = sock, cancel, timeout
        self.received = 0
        self.reason: str | None = None
        self._done = threading.Event()

    def run(self):
        mark, since = 0, time.monotonic()
        while not self._done.wait(0.1):
            if self.cancel is not None and self.cancel():
                return self._end("cancelled")
            now = time.monotonic()
            if self.received - mark >= STALL_BYTES:
                mark, since = self.received, now
            elif now - since > self.timeout:
                return self._end("stalled")

    def _end(self, reason: str) -> None:
        self.reason = reason
        if self.sock is not None:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(self.sock, socket.SHUT_RDWR)  # the fd itself, also under TLS

    def finish(self) -> None:
        self._done.set()
        self.join(timeout=1)


def _socket_of(resp):
    raw = getattr(getattr(resp, "fp", None), "raw", None)
    return getattr(raw, "_sock", None)


def _content_range(value: str | None) -> tuple[int | None, int | None]:
    """(first byte, total) of `bytes 100-199/1000` or `bytes */1000`; None where absent."""
    if not value or not value.strip().lower().startswith("bytes"):
        return None, None
    spec = value.strip()[5:].strip()
    span, _, total = spec.partition("/")
    try:
        start = int(span.split("-")[0]) if span and span != "*" else None
        return start, (int(total) if total.strip().isdigit() else None)
    except ValueError:
        return None, None


def _open(url: str, have: int, allow_http: bool, timeout: float):
    req = urllib.request.Request(url, headers={"User-Agent": "dreamreel", "Accept-Encoding": "identity"})
    if have:
        req.add_header("Range", f"bytes={have}-")
    return urllib.request.build_opener(_NoDowngrade(allow_http)).open(req, timeout=timeout)


def _transfer(url: str, part: Path, *, size: int | None, allow_http: bool, progress: Progress | None,
              cancel: CancelHook | None, timeout: float, name: str) -> int | None:
    """One request appending to `part` (resuming what it holds); the total the server announced.
    `_Dropped` when it ends early (the bytes that came stay), DownloadError for a wrong body."""
    have = part.stat().st_size if part.exists() else 0
    try:
        resp = _open(url, have, allow_http, timeout)
    except urllib.error.HTTPError as e:
        with e:
            if e.code == 416 and have:  # nothing past `have`: complete, or the .part is longer
                _, total = _content_range(e.headers.get("Content-Range"))
                if total == have:
                    return have
                part.unlink(missing_ok=True)
                raise _Dropped("the server refused the resume; starting over") from None
            raise DownloadError(f"HTTP {e.code} {e.reason}") from None
    with resp:
        length = resp.headers.get("Content-Length")
        length = int(length) if length and length.strip().isdigit() else None
        if have and resp.status == 206:
            start, total = _content_range(resp.headers.get("Content-Range"))
            if start != have:  # a resume that would splice the wrong bytes in
                part.unlink(missing_ok=True)
                raise _Dropped(f"the server resumed at byte {start}, not {have}; starting over")
            if total is None and length is not None:
                total = have + length
        else:
            have = 0  # a fresh copy (the server ignored the Range, or there was no .part)
            total = length
        ctype = resp.headers.get("Content-Type", "")
        if not have and ctype.split(";")[0].strip().lower() == "text/html":
            raise DownloadError(f"{url} sent an HTML page ({ctype}), not the model file")
        if size is not None and total is not None and total != size:
            if not have and looks_html(resp.read(512)):
                raise DownloadError(f"{url} sent an HTML page, not the model file")
            raise DownloadError(f"{url} offers {total} bytes, the file has {size}")
        expect = total if total is not None else size
        read = getattr(resp, "read1", resp.read)  # returns after one socket read: steady progress
        watch = _Watch(_socket_of(resp), cancel, timeout)
        watch.start()
        done = have
        try:
            f = None
            while True:
                try:
                    chunk = read(CHUNK)
                except (OSError, http.client.HTTPException) as e:
                    if watch.reason is None:
                        raise _Dropped(f"connection lost ({_why(e)})") from None
                    chunk = b""
                if not chunk:
                    break
                if f is None:  # the first bytes decide whether there is a file to write at all
                    if not have and looks_html(chunk):
                        raise DownloadError(f"{url} sent an HTML page, not the model file")
                    try:
                        f = open(part, "ab" if have else "wb")
                    except OSError as e:
                        raise _local(e, part) from None
                if expect is not None and done + len(chunk) > expect:
                    f.close()
                    part.unlink(missing_ok=True)
                    raise DownloadError(f"sent more than the {expect} bytes announced")
                try:
                    f.write(chunk)
                except OSError as e:
                    raise _local(e, part) from None
                done += len(chunk)
                watch.received += len(chunk)
                if progress:
                    progress(done, expect or 0, name)
                _check(cancel)  # the chunk is in the .part: a resume continues after it
        finally:
            watch.finish()
            if f is not None:
                f.close()
        if watch.reason == "cancelled":
            raise Cancelled("download cancelled")
        if watch.reason == "stalled":
            raise _Dropped(f"stalled (under {STALL_BYTES // 1024} KiB in {timeout:g} s)", stalled=True)
        if expect is not None and done != expect:
            raise _Dropped(f"connection closed after {done} of {expect} bytes")
        return total


def looks_html(head: bytes) -> bool:
    from dreamreel.core.engine.model_check import looks_like_html

    return looks_like_html(head)


def _sleep(seconds: float, cancel: CancelHook | None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        _check(cancel)
        time.sleep(min(0.1, max(0.0, end - time.monotonic())))


def fetch_url(url: str, dest: str | os.PathLike, *, sha256: str | None = None, size: int | None = None,
              check: Check | None = None, progress: Progress | None = None, cancel: CancelHook | None = None,
              timeout: float = 30.0, retries: int = RETRIES, log=None) -> str:
    """Download `url` to `dest` through `dest.part` (resumed when present); verify; rename; sha256.

    A dropped or stalled transfer is resumed up to `retries` times in a row without progress,
    then DownloadError (the `.part` stays for the next run). A hash, size or `check` failure
    deletes the `.part`; after a resume, one fresh download is tried first (the old part may
    have been the bad bytes). `Cancelled` keeps the `.part`."""
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise DownloadError(f"{url}: not an http(s) URL")
    if scheme == "http" and sha256 is None:
        raise DownloadError(f"{url}: plain http and no known sha256 to check it against (use https, or pass "
                            "--sha256)")
    writable_folder(dest.parent)
    resumed = part.exists() and part.stat().st_size > 0
    restarted = False
    stuck = attempts = 0
    while True:
        _check(cancel)
        before = part.stat().st_size if part.exists() else 0
        resumed = resumed or before > 0
        try:
            _transfer(url, part, size=size, allow_http=sha256 is not None, progress=progress,
                      cancel=cancel, timeout=timeout, name=dest.name)
        except (_Dropped, urllib.error.URLError, OSError, http.client.HTTPException) as e:
            if isinstance(e, LocalFileError) or (attempts == 0 and not isinstance(e, _Dropped)):
                raise  # no connection at all: the caller tries the next mirror
            got = part.stat().st_size if part.exists() else 0
            stuck = 0 if got > before and not getattr(e, "stalled", False) else stuck + 1
            attempts += 1
            if stuck > retries or attempts >= MAX_ATTEMPTS:
                raise DownloadError(f"{dest.name}: download from {url} {_why(e)}; {got} bytes kept in "
                                    f"{part.name}, running the download again resumes") from None
            if log:
                log(f"{dest.name}: {_why(e)}; resuming at byte {got}")
            _sleep(min(2.0, 0.2 * 2 ** stuck), cancel)
            continue
        if not part.exists():
            raise DownloadError(f"{url} sent an empty body, not the model file")
        got = part.stat().st_size
        problem = None
        if size is not None and got != size:
            problem = f"got {got} bytes, expected {size}"
        digest = file_sha256(part)
        if problem is None and sha256 is not None and digest != sha256.lower():
            problem = f"sha256 {digest[:16]}... is not the expected {sha256.lower()[:16]}..."
        if problem is None and check is not None:
            try:
                check(part)
            except DreamreelError as e:
                problem = str(e).replace(str(part), dest.name)
        if problem is not None:
            part.unlink(missing_ok=True)
            if resumed and not restarted and (size is not None or sha256 is not None):
                restarted, resumed = True, False
                if log:
                    log(f"{dest.name}: the resumed file failed its check ({problem}); downloading it afresh")
                continue
            raise DownloadError(f"{dest.name}: download from {url} failed verification ({problem}); not kept")
        try:
            os.replace(part, dest)
        except OSError as e:
            raise _local(e, dest) from None
        return digest


# --- the Hugging Face hub ------------------------------------------------------------------


def hub_host() -> str:
    from huggingface_hub import constants

    return urlsplit(constants.ENDPOINT).hostname or "huggingface.co"


def probe_hub() -> None:
    """NoNetworkError at once (not after minutes of hub retries) when the hub is unreachable."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        raise NoNetworkError("offline: HF_HUB_OFFLINE is set, so the Hugging Face hub is not contacted; "
                             "unset it and run the command again")
    parts = urlsplit(constants.ENDPOINT)
    host = parts.hostname or "huggingface.co"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=PROBE_TIMEOUT).close()
    except OSError as e:
        raise NoNetworkError(f"no network: cannot reach {host} ({_why(e)}); connect and run the command "
                             "again") from None


@contextlib.contextmanager
def hub_quiet(progress_bars: bool = True):
    """huggingface_hub without its retry warnings (and without its bars when asked)."""
    from huggingface_hub.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars
    from huggingface_hub.utils import logging as hub_logging

    logger = hub_logging.get_logger()
    level, bars_off = logger.level, are_progress_bars_disabled()
    logger.setLevel("ERROR")
    if not progress_bars:
        disable_progress_bars()
    try:
        yield
    finally:
        logger.setLevel(level)
        if not progress_bars and not bars_off:
            enable_progress_bars()


def _hub_error(what: str, e: Exception) -> DownloadError:
    first = (str(e).strip().splitlines() or [""])[0][:200]
    return DownloadError(f"{what}: hub download failed ({type(e).__name__}{': ' + first if first else ''})")


def hub_file_info(repo: str, names: list[str]) -> dict[str, tuple[int | None, str | None]]:
    """{path: (size, sha256)} of the names that exist in a hub repo, from the hub's own metadata
    (LFS files carry their sha256; small git files only a size)."""
    from huggingface_hub import HfApi

    try:
        infos = HfApi().get_paths_info(repo, names)
    except Exception as e:  # noqa: BLE001 - hub/http errors
        raise _hub_error(repo, e) from None
    out = {}
    for info in infos:
        lfs = getattr(info, "lfs", None)
        out[info.path] = (getattr(info, "size", None), getattr(lfs, "sha256", None) if lfs else None)
    return out


def _drop_cached(path: Path) -> None:
    """Remove a hub cache entry (the snapshot link and its blob) that failed verification."""
    with contextlib.suppress(OSError):
        blob = path.resolve()
        path.unlink(missing_ok=True)
        if blob != path:
            blob.unlink(missing_ok=True)


def hub_download(repo: str, filename: str, *, sha256: str | None = None, size: int | None = None,
                 check: Check | None = None, force: bool = False, progress_bars: bool = True) -> tuple[Path, str]:
    """One file into the Hugging Face cache through huggingface_hub, verified: (path, sha256).
    A copy failing its size, hash or check is removed from the cache."""
    from huggingface_hub import constants, hf_hub_download

    writable_folder(Path(constants.HF_HUB_CACHE), "Hugging Face cache")
    with hub_quiet(progress_bars):
        try:
            cached = Path(hf_hub_download(repo_id=repo, filename=filename, force_download=force,
                                          etag_timeout=PROBE_TIMEOUT * 3))
        except PermissionError as e:
            raise LocalFileError(f"cannot write {e.filename or constants.HF_HUB_CACHE} ({e.strerror}); check "
                                 "the Hugging Face cache's permissions (HF_HOME)") from None
        except Exception as e:  # noqa: BLE001 - hub errors (offline, 404) are not OSErrors
            raise _hub_error(f"{repo}/{filename}", e) from None
    got = cached.stat().st_size
    digest = file_sha256(cached)
    problem = None
    if size is not None and got != size:
        problem = f"got {got} bytes, the hub says {size}"
    elif sha256 is not None and digest != sha256.lower():
        problem = f"sha256 {digest[:16]}... is not the hub's {sha256.lower()[:16]}..."
    elif check is not None:
        try:
            check(cached)
        except DreamreelError as e:
            problem = str(e)
    if problem is not None:
        _drop_cached(cached)
        raise DownloadError(f"{repo}/{filename}: {problem}; removed from the cache")
    return cached, digest


def fetch_hub(spec: str, dest: str | os.PathLike, *, sha256: str | None = None, size: int | None = None,
              check: Check | None = None, progress: Progress | None = None,
              cancel: CancelHook | None = None) -> str:
    """`hf://owner/repo/path/in/repo` through the hub cache, verified, copied to `dest`.

    The hub's own size/sha256 are checked when the file has none. huggingface_hub reports no
    bytes to us and cannot be stopped midway: progress says 0 before and the size after, and
    cancel is checked before the download and before the copy."""
    _check(cancel)
    dest = Path(dest)
    writable_folder(dest.parent)
    if progress:
        progress(0, size or 0, dest.name)
    owner, repo, filename = spec[len("hf://"):].split("/", 2)
    repo = f"{owner}/{repo}"
    if sha256 is None or size is None:
        with contextlib.suppress(DownloadError):
            hub_size, hub_sha = hub_file_info(repo, [filename]).get(filename, (None, None))
            size, sha256 = size if size is not None else hub_size, sha256 or hub_sha
    cached, digest = hub_download(repo, filename, sha256=sha256, size=size, check=check,
                                  progress_bars=progress is None)
    _check(cancel)
    # A temp name of its own, never `dest.part`: that is what `fetch_url` resumes from, and a
    # half-copied hub file must not be spliced with a Range resume from the next mirror.
    try:
        with atomic_path(dest, suffix=dest.suffix or ".tmp") as tmp:
            shutil.copyfile(cached, tmp)
    except OSError as e:
        raise _local(e, dest) from None
    if progress:
        n = dest.stat().st_size
        progress(n, n, dest.name)
    return digest


# --- mirrors and presets -------------------------------------------------------------------


def fetch(mirrors: tuple[str, ...] | list[str], dest: str | os.PathLike, *, sha256: str | None = None,
          size: int | None = None, check: Check | None = None, progress: Progress | None = None,
          cancel: CancelHook | None = None, timeout: float = 30.0, log=print) -> str:
    """Try each mirror in order until one yields a verified file at `dest`; return its sha256.

    Without a known sha256 a plain `http://` mirror is skipped: nothing could tell a file
    swapped in transit from the real one. `Cancelled` and local write problems stop at once
    (no next mirror). When no mirror's host could even be reached: NoNetworkError."""
    dest = Path(dest)
    problems, unreachable = [], []
    for url in mirrors:
        if sha256 is None and url.lower().startswith("http://"):
            problems.append(f"{url}: plain http and no known sha256 to check it against (skipped)")
            continue
        try:
            if url.startswith("hf://"):
                probe_hub()
                return fetch_hub(url, dest, sha256=sha256, size=size, check=check, progress=progress,
                                 cancel=cancel)
            return fetch_url(url, dest, sha256=sha256, size=size, check=check, progress=progress,
                             cancel=cancel, timeout=timeout, log=log)
        except (Cancelled, LocalFileError):
            raise
        except (OSError, DownloadError, ValueError, http.client.HTTPException) as e:
            reason = _why(e)
            problems.append(reason if url in reason else f"{url}: {reason}")
            if isinstance(e, NoNetworkError) or _unreachable(e):
                unreachable.append(urlsplit(url).hostname or url)
                continue  # said once at the end, with every host that could not be reached
            if log:
                log(f"{dest.name}: mirror failed ({reason}); trying the next one" if url != mirrors[-1]
                    else f"{dest.name}: mirror failed ({reason})")
    if unreachable and len(unreachable) == len(problems):
        raise NoNetworkError(f"{dest.name}: no network: cannot reach {', '.join(dict.fromkeys(unreachable))}; "
                             "connect and run the download again (a partial download resumes)")
    raise DownloadError(f"{dest.name}: no mirror worked ({'; '.join(problems)}); a partial download resumes "
                        "when you run it again")


def convert_quietly(path: Path, digest: str, log=print) -> Path | None:
    """After a verified download of a pickle file: its safetensors copy in the data dir (later
    loads use it); None when the file is no pickle or the copy cannot be written."""
    from dreamreel.core.engine.checkpoint import PICKLE_SUFFIXES, CheckpointError, convert
    from dreamreel.core.engine.models import remember_sha256

    if path.suffix not in PICKLE_SUFFIXES:
        return None
    remember_sha256(path, digest)
    try:
        return convert(path)
    except (CheckpointError, OSError) as e:
        if log:
            log(f"{path.name}: no safetensors copy made ({e})")
        return None


def _verify_present(key: str, path: Path, size: int | None, sha256: str | None, check: Check) -> str | None:
    """None when a file already there is good (its hash matches this user's record, or it passes
    the size, hash and structural checks), else what is wrong with it."""
    from dreamreel.core.engine.models import cached_file_sha256, recorded

    rec = recorded(key)
    try:
        digest = cached_file_sha256(path)
    except OSError as e:
        return f"cannot read it ({e.strerror or e})"
    if rec is not None and (sha256 is None or rec["sha256"] == sha256):
        if digest == rec["sha256"] and path.stat().st_size == rec["size"]:
            return None
        return "its bytes changed since they were downloaded and verified"
    if size is not None and path.stat().st_size != size:
        return f"{path.stat().st_size} bytes, expected {size}"
    if sha256 is not None and digest != sha256:
        return f"sha256 {digest[:16]}... is not the expected {sha256[:16]}..."
    try:
        check(path)
    except DreamreelError as e:
        return str(e).replace(str(path), path.name)
    return None


def download_file(key: str, dest: Path, mirrors, *, check: Check, size: int | None = None,
                  sha256: str | None = None, url: str | None = None, user_sha256: str | None = None,
                  progress: Progress | None = None, cancel: CancelHook | None = None, log=print,
                  timeout: float = 30.0) -> tuple[Path, bool]:
    """One model file into place, verified: (path, fetched now?). A file already there is kept
    when good and fetched again when broken. `url` / `user_sha256` are the user's own mirror and
    hash (they replace the mirrors / the expected hash). The first verified download is recorded
    (size, sha256) under `key` in the data dir, and a pickle gets its safetensors copy."""
    from dreamreel.core.engine.models import record_verified

    mirrors = (url,) if url else tuple(mirrors)
    if user_sha256 and user_sha256.lower() != sha256:
        size, sha256 = None, user_sha256.lower()  # the user's own file, not the one expected
    if dest.is_file():
        problem = _verify_present(key, dest, size, sha256, check)
        if problem is None:
            return dest, False
        if log:
            log(f"{dest}: broken ({problem}); fetching it again")
    digest = fetch(mirrors, dest, sha256=sha256, size=size, check=check, progress=progress, cancel=cancel,
                   timeout=timeout, log=log)
    record_verified(key, dest.stat().st_size, digest, source=mirrors[0] if len(mirrors) == 1 else "mirrors")
    convert_quietly(dest, digest, log=log)
    return dest, True


def download_preset(name: str, *, progress: Progress | None = None, cancel: CancelHook | None = None,
                    log=print, timeout: float = 30.0, url: str | None = None,
                    sha256: str | None = None) -> list[Path]:
    """Fetch a VQGAN preset's config and checkpoint into the models dir, verified; their paths.

    `url` / `sha256` are for the checkpoint (the user's own mirror). The yaml must build a
    VQGAN and the checkpoint hold every tensor it needs, with its shape. Raises
    ModelNotFoundError (unknown name), DownloadError or Cancelled (the `.part` stays, and the
    next call resumes it)."""
    from dreamreel.core.engine.model_check import check_vqgan_ckpt, check_vqgan_config
    from dreamreel.core.engine.models import expected, file_key, models_dir, preset

    p = preset(name)
    root = models_dir()
    writable_folder(root)
    cfg, ckpt = root / p.config.filename, root / p.ckpt.filename
    checks = {cfg: lambda path: check_vqgan_config(path, label=cfg.name),
              ckpt: lambda path: check_vqgan_ckpt(path, cfg, label=ckpt.name)}
    paths = []
    for f, dest in ((p.config, cfg), (p.ckpt, ckpt)):
        size, digest, _ = expected(file_key(name, f), f)
        mine = dest == ckpt
        path, _ = download_file(file_key(name, f), dest, f.mirrors, check=checks[dest], size=size, sha256=digest,
                                url=url if mine else None, user_sha256=sha256 if mine else None,
                                progress=progress, cancel=cancel, log=log, timeout=timeout)
        paths.append(path)
    return paths
