"""On-disk `.npz` cache for audio results, keyed by the audio file's sha256 and parameters."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np

from dreamreel.core.atomic import atomic_path

CACHE_VERSION = "1"  # bump when a change alters cached peaks or analysis for the same inputs


def default_cache_dir() -> Path:
    """The per-user cache folder for audio results (`<user cache>/dreamreel/audio`)."""
    from dreamreel.core.paths import cache_dir

    return cache_dir() / "audio"


def cache_path(cache_dir: str | Path, kind: str, audio_sha256: str, params: dict) -> Path:
    """Where the `kind` result ("peaks", "analysis") for this audio and these params lives."""
    blob = json.dumps({"v": CACHE_VERSION, **params}, sort_keys=True).encode()
    key = hashlib.sha256(blob).hexdigest()[:16]
    return Path(cache_dir) / f"{audio_sha256[:32]}.{kind}.{key}.npz"


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays to `path` atomically (a crash never leaves half a cache file)."""
    with atomic_path(path, suffix=".npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


def load_npz(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays stored at `path`, or None when absent or unreadable (then we rebuild)."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
