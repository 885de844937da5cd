"""Fetching model files: mirrors in order, resume via HTTP Range into a `.part` file, sha256 check.

Plain https mirrors go through urllib; `hf://owner/repo/path` mirrors through
`huggingface_hub.hf_hub_download` (its own cache, resume and progress), then are copied in
atomically. Plain http mirrors are used only when the file's sha256 is known.

Long work, Qt-free: `progress(done_bytes, total_bytes, message)` reports each file (the message
is the file's name; total 0 = unknown) and `cancel() -> bool` is checked between chunks, raising
`Cancelled` and keeping the `.part` for a resume. `download_preset` is the one entry point the
CLI (tqdm on top) and the editor (a progress dialog) share.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from dreamreel.core.atomic import atomic_path
from dreamreel.core.errors import Cancelled, DreamreelError
from dreamreel.core.hashing import file_sha256, update_from_file
from dreamreel.core.hooks import CancelHook, Progress

CHUNK = 1 << 16


class DownloadError(DreamreelError):
    """No mirror gave a good copy of a file."""


def _check(cancel: CancelHook | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled("download cancelled")


def fetch_url(url: str, dest: Path, *, sha256: str | None = None, size: int | None = None,
              progress: Progress | None = None, cancel: CancelHook | None = None, timeout: float = 30.0) -> str:
    """Download `url` to `dest`, resuming an existing `dest.part`; verify, rename, return sha256.

    A hash or size mismatch deletes the `.part` (its bytes cannot be trusted for a resume); a
    cancel raises `Cancelled` and keeps it. Nothing half-downloaded ever lands under `dest`."""
    _check(cancel)
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(url, headers={"User-Agent": "dreamreel"})
    if have:
        req.add_header("Range", f"bytes={have}-")
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code != 416 or not have:  # 416: the .part is already complete
            raise
        resp = None
    h = hashlib.sha256()
    if resp is not None:
        with resp:
            if have and resp.status != 206:
                have = 0  # server ignored the Range: start over
            if have:
                update_from_file(h, part)
            length = resp.headers.get("Content-Length")
            total = have + int(length) if length is not None else (size or 0)
            done = have
            if progress:
                progress(done, total, dest.name)
            with open(part, "ab" if have else "wb") as f:
                for chunk in iter(lambda: resp.read(CHUNK), b""):
                    f.write(chunk)
                    h.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total, dest.name)
                    _check(cancel)  # the chunk is in the .part: a resume continues after it
    else:
        update_from_file(h, part)
    digest = h.hexdigest()
    got = part.stat().st_size
    if (size is not None and got != size) or (sha256 is not None and digest != sha256.lower()):
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"{dest.name}: download from {url} failed verification "
            f"(got {got} bytes, sha256 {digest[:12]}..., expected {size} / {(sha256 or '?')[:12]}...)"
        )
    os.replace(part, dest)
    return digest


def fetch_hub(spec: str, dest: Path, *, sha256: str | None = None, size: int | None = None,
              progress: Progress | None = None, cancel: CancelHook | None = None) -> str:
    """`hf://owner/repo/path/in/repo` through huggingface_hub, verified, copied to `dest`.

    huggingface_hub reports no bytes to us and cannot be stopped midway: progress says 0 before
    and the size after, and cancel is checked before the download and before the copy."""
    from huggingface_hub import hf_hub_download

    _check(cancel)
    if progress:
        progress(0, size or 0, dest.name)

    owner, repo, filename = spec[len("hf://"):].split("/", 2)
    cached = Path(hf_hub_download(repo_id=f"{owner}/{repo}", filename=filename))
    digest = file_sha256(cached)
    if (sha256 is not None and digest != sha256.lower()) or (size is not None and cached.stat().st_size != size):
        raise DownloadError(f"{dest.name}: {spec} failed verification (sha256 {digest[:12]}...)")
    _check(cancel)
    # A temp name of its own, never `dest.part`: that is what `fetch_url` resumes from, and a
    # half-copied hub file must not be spliced with a Range resume from the next mirror.
    with atomic_path(dest, suffix=dest.suffix or ".tmp") as tmp:
        shutil.copyfile(cached, tmp)
    if progress:
        n = dest.stat().st_size
        progress(n, n, dest.name)
    return digest


def fetch(mirrors: tuple[str, ...] | list[str], dest: str | os.PathLike, *, sha256: str | None = None,
          size: int | None = None, progress: Progress | None = None, cancel: CancelHook | None = None,
          timeout: float = 30.0, log=print) -> str:
    """Try each mirror in order until one yields a verified file at `dest`; return its sha256.

    Without a known sha256 a plain `http://` mirror is skipped: nothing could tell a file
    swapped in transit from the real one, and an unverified download gets trusted by hash
    (trust on first download), so only https and hub downloads may supply it. `Cancelled`
    stops at once (no next mirror)."""
    dest = Path(dest)
    problems = []
    for url in mirrors:
        if sha256 is None and url.lower().startswith("http://"):
            problems.append(f"{url}: plain http and no known sha256 to check it against (skipped)")
            continue
        try:
            if url.startswith("hf://"):
                return fetch_hub(url, dest, sha256=sha256, size=size, progress=progress, cancel=cancel)
            return fetch_url(url, dest, sha256=sha256, size=size, progress=progress, cancel=cancel,
                             timeout=timeout)
        except Cancelled:
            raise
        except (OSError, DownloadError, ValueError) as e:
            reason = getattr(e, "reason", None) or e
            problems.append(f"{url}: {reason}")
            if log:
                log(f"{dest.name}: mirror failed ({reason}); trying the next one" if url != mirrors[-1]
                    else f"{dest.name}: mirror failed ({reason})")
        except Exception as e:  # noqa: BLE001 - hub errors (offline, 404) are not OSErrors
            problems.append(f"{url}: {type(e).__name__}")
    raise DownloadError(f"{dest.name}: no mirror worked ({'; '.join(problems)}); check the network and retry "
                        "(a partial download resumes)")


def download_preset(name: str, *, progress: Progress | None = None, cancel: CancelHook | None = None,
                    log=print, timeout: float = 30.0) -> list[Path]:
    """Fetch a VQGAN preset's config and checkpoint into the models dir; their paths.

    Files already there are kept. A file of an unverified preset is trusted by the hash we got
    (trust on first download). Raises ModelNotFoundError (unknown name), DownloadError (no mirror
    worked) or Cancelled (the `.part` stays, and the next call resumes it)."""
    from dreamreel.core.engine.models import models_dir, preset

    p = preset(name)
    root = models_dir()
    paths = []
    for f in (p.config, p.ckpt):
        dest = root / f.filename
        if not dest.is_file():
            fetch(f.mirrors, dest, sha256=f.sha256, size=f.size, progress=progress, cancel=cancel,
                  timeout=timeout, log=log)
        paths.append(dest)
    return paths
