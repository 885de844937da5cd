"""Dreamreel's own per-user folders (platformdirs): the data dir (hash caches, safetensors
copies, verified downloads, autosaves) and the cache dir (audio analysis, song facts, renders
of unsaved projects). Nothing here ever sits beside a user's file."""

from __future__ import annotations

from pathlib import Path


def data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("dreamreel"))


def cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("dreamreel"))
