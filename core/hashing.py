"""File hashing: one streamed sha256 for songs, model files and downloads, and the one cache of
file hashes (`cached_file_sha256`, in the data dir) that songs and weights share."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from dreamreel.core.atomic import atomic_write_text
from dreamreel.core.paths import data_dir

CHUNK_BYTES = 1 << 22


def update_from_file(h, path: str | os.PathLike):
    """Feed a file's bytes to the hash object `h` in 4 MiB chunks; returns `h`."""
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            h.update(chunk)
    return h


def file_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes (streamed, never cached; see `cached_file_sha256` for
    multi-GB weights and songs)."""
    return update_from_file(hashlib.sha256(), path).hexdigest()


def _identity(path: Path) -> dict:
    """What must all match for a cached hash to still describe a file. `tar` and `cp -p` keep
    size and mtime, but not the inode or the ctime (which no user call can set)."""
    real = path.resolve()
    st = real.stat()
    return {"path": str(real), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino,
            "ctime_ns": st.st_ctime_ns}


def _hash_entry(ident: dict) -> Path:
    return data_dir() / "hashes" / (hashlib.sha256(ident["path"].encode("utf-8", "surrogateescape")).hexdigest()[:24] + ".json")


def known_sha256(path: str | os.PathLike) -> str | None:
    """The sha256 `cached_file_sha256` recorded for this exact file, or None (never hashes)."""
    try:
        ident = _identity(Path(path))
        data = json.loads(_hash_entry(ident).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or {k: data.get(k) for k in ident} != ident:
        return None
    digest = data.get("sha256")
    return digest if isinstance(digest, str) and len(digest) == 64 else None


def cached_file_sha256(path: str | os.PathLike) -> str:
    """`file_sha256` of a file, computed once and cached in the data dir (keyed by real
    path, size, mtime_ns, inode and ctime). The cache only saves time: it never grants trust."""
    path = Path(path)
    digest = known_sha256(path)
    if digest is not None:
        return digest
    ident = _identity(path)
    digest = file_sha256(path)
    try:
        atomic_write_text(_hash_entry(ident), json.dumps({**ident, "sha256": digest}) + "\n")
    except OSError:
        pass  # an unwritable data dir only costs a re-hash next time
    return digest


def remember_sha256(path: str | os.PathLike, digest: str) -> None:
    """Put a hash just computed from a file's bytes (a verified download) into the data dir's
    cache for that exact file, so the next look-up need not read it again."""
    try:
        ident = _identity(Path(path))
        atomic_write_text(_hash_entry(ident), json.dumps({**ident, "sha256": digest}) + "\n")
    except OSError:
        pass
