"""Fetching model files: mirrors in order, resume via HTTP Range into a `.part` file, sha256 check.

Plain https mirrors go through urllib; `hf://owner/repo/path` mirrors through
`huggingface_hub.hf_hub_download` (its own cache, resume and progress), then are copied in
atomically. Plain http mirrors are used only when the file's sha256 is known.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from dreamreel.core.atomic import atomic_path
from dreamreel.core.errors import DreamreelError
from dreamreel.core.hashing import file_sha256, update_from_file

CHUNK = 1 << 16


class DownloadError(DreamreelError):
    """No mirror gave a good copy of a file."""


def fetch_url(url: str, dest: Path, *, sha256: str | None = None, size: int | None = None,
              progress: bool = True, timeout: float = 30.0) -> str:
    """Download `url` to `dest`, resuming an existing `dest.part`; verify, rename, return sha256.

    A hash or size mismatch deletes the `.part` (its bytes cannot be trusted for a resume)."""
    from tqdm import tqdm

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
            total = have + int(length) if length is not None else size
            with open(part, "ab" if have else "wb") as f, tqdm(
                total=total, initial=have, unit="B", unit_scale=True, unit_divisor=1024,
                desc=dest.name, disable=not progress, leave=False,
            ) as bar:
                for chunk in iter(lambda: resp.read(CHUNK), b""):
                    f.write(chunk)
                    h.update(chunk)
                    bar.update(len(chunk))
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


def fetch_hub(spec: str, dest: Path, *, sha256: str | None = None, size: int | None = None) -> str:
    """`hf://owner/repo/path/in/repo` through huggingface_hub, verified, copied to `dest`."""
    from huggingface_hub import hf_hub_download

    owner, repo, filename = spec[len("hf://"):].split("/", 2)
    cached = Path(hf_hub_download(repo_id=f"{owner}/{repo}", filename=filename))
    digest = file_sha256(cached)
    if (sha256 is not None and digest != sha256.lower()) or (size is not None and cached.stat().st_size != size):
        raise DownloadError(f"{dest.name}: {spec} failed verification (sha256 {digest[:12]}...)")
    # A temp name of its own, never `dest.part`: that is what `fetch_url` resumes from, and a
    # half-copied hub file must not be spliced with a Range resume from the next mirror.
    with atomic_path(dest, suffix=dest.suffix or ".tmp") as tmp:
        shutil.copyfile(cached, tmp)
    return digest


def fetch(mirrors: tuple[str, ...] | list[str], dest: str | os.PathLike, *, sha256: str | None = None,
          size: int | None = None, progress: bool = True, timeout: float = 30.0,
          log=print) -> str:
    """Try each mirror in order until one yields a verified file at `dest`; return its sha256.

    Without a known sha256 a plain `http://` mirror is skipped: nothing could tell a file
    swapped in transit from the real one, and an unverified download gets trusted by hash
    (trust on first download), so only https and hub downloads may supply it."""
    dest = Path(dest)
    problems = []
    for url in mirrors:
        if sha256 is None and url.lower().startswith("http://"):
            problems.append(f"{url}: plain http and no known sha256 to check it against (skipped)")
            continue
        try:
            if url.startswith("hf://"):
                return fetch_hub(url, dest, sha256=sha256, size=size)
            return fetch_url(url, dest, sha256=sha256, size=size, progress=progress, timeout=timeout)
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
