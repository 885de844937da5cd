"""File hashing: one streamed sha256 for songs, model files and downloads."""

from __future__ import annotations

import hashlib
import os

CHUNK_BYTES = 1 << 22


def update_from_file(h, path: str | os.PathLike):
    """Feed a file's bytes to the hash object `h` in 4 MiB chunks; returns `h`."""
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            h.update(chunk)
    return h


def file_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes (streamed, never cached; see
    `engine.models.cached_file_sha256` for multi-GB weights)."""
    return update_from_file(hashlib.sha256(), path).hexdigest()
