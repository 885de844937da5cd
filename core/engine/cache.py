"""Content-addressed keyframe store: one latent (safetensors, fp32) + one PNG preview per key.

A key is the sha256 of canonical JSON of the engine identity and the `KeyframeSpec` (which
holds the init latent's own key), so any change to an input that shapes a picture gives a new
key and a stale entry is simply never asked for again.

Layout under the cache root (`<project>.dreamreel-cache/` by default)::

    keyframes/ab/abcdef....safetensors   latent, metadata {"key", "sha256" of the tensor bytes}
    keyframes/ab/abcdef....png           decoded preview (editor thumbnails)

Entries are written to a temp file and renamed, the PNG first and the latent last: a latent
file on disk means the entry is complete. Reads verify the checksum; a corrupt entry is
deleted and reported as a miss, so it is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np

from dreamreel.core.atomic import atomic_path
from dreamreel.core.engine.base import KeyframeSpec

CACHE_SUFFIX = ".dreamreel-cache"
_HEX = re.compile(r"[0-9a-f]+")


def canonical_json(obj) -> str:
    """Stable JSON (sorted keys, no whitespace, floats via repr) for hashing."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def keyframe_key(identity: dict, spec: KeyframeSpec) -> str:
    """The cache key of a keyframe: sha256 of the engine identity and the full spec."""
    payload = {"engine": identity, "spec": spec.as_dict()}
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def default_cache_dir(project_path: str | Path) -> Path:
    """`<project file>.dreamreel-cache/` beside the project file (suffix replaced)."""
    p = Path(project_path)
    return p.with_name(p.stem + CACHE_SUFFIX)


def _tensor_sha256(arr: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()


def _check_key(key: str) -> None:
    if len(key) < 8 or not _HEX.fullmatch(key):
        raise ValueError(f"not a keyframe key: {key!r}")


class KeyframeCache:
    """A folder of keyframes addressed by key. Safe against interrupted writes."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._root = str(self.root)

    def _base(self, key: str) -> Path:
        _check_key(key)
        return self.root / "keyframes" / key[:2] / key

    def latent_path(self, key: str) -> Path:
        return self._base(key).with_suffix(".safetensors")

    def png_path(self, key: str) -> Path:
        """Where the PNG preview of `key` is (or would be); no file access."""
        return self._base(key).with_suffix(".png")

    def preview_path(self, key: str) -> Path | None:
        """The PNG preview of a finished keyframe, or None when not cached."""
        png = self._base(key).with_suffix(".png")
        return png if png.exists() and self.latent_path(key).exists() else None

    def has(self, key: str) -> bool:
        """Cheap existence check (no checksum); `get` verifies. (One stat on a string path: the
        editor's states look up every key of a song.)"""
        _check_key(key)
        return os.path.exists(f"{self._root}/keyframes/{key[:2]}/{key}.safetensors")

    def get(self, key: str):
        """The cached latent (float32 CPU tensor) or None. Corrupt entries are deleted."""
        from safetensors import safe_open

        path = self.latent_path(key)
        if not path.exists():
            return None
        try:
            with safe_open(str(path), framework="pt") as f:
                meta = f.metadata() or {}
                z = f.get_tensor("latent")
            ok = meta.get("key") == key and meta.get("sha256") == _tensor_sha256(z.numpy())
        except Exception:  # truncated or garbled file: any reader error means corrupt
            ok = False
        if not ok:
            self.delete(key)
            return None
        return z

    def put(self, key: str, latent, preview: np.ndarray | None = None, meta: dict | None = None) -> None:
        """Store a latent (kept fp32, bit exact) and an optional uint8 (H, W, 3) preview."""
        from PIL import Image
        from safetensors.torch import save_file

        z = latent.detach().to("cpu").contiguous()  # same dtype: fp32 stays fp32, bit exact
        base = self._base(key)
        base.parent.mkdir(parents=True, exist_ok=True)
        if preview is not None:
            with atomic_path(base.with_suffix(".png"), suffix=".png") as tmp:
                Image.fromarray(np.asarray(preview, dtype=np.uint8)).save(tmp, format="PNG", compress_level=1)
        metadata = {"key": key, "sha256": _tensor_sha256(z.numpy())}
        if meta:
            metadata["info"] = canonical_json(meta)
        with atomic_path(self.latent_path(key), suffix=".safetensors") as tmp:
            save_file({"latent": z}, str(tmp), metadata=metadata)

    def delete(self, key: str) -> None:
        """Remove an entry (latent first, so a half-removed entry reads as missing)."""
        self.latent_path(key).unlink(missing_ok=True)
        self._base(key).with_suffix(".png").unlink(missing_ok=True)

    def keys(self) -> list[str]:
        """All keys with a latent on disk."""
        folder = self.root / "keyframes"
        if not folder.exists():
            return []
        # Temp files of interrupted writes (".<name>.XXXX.safetensors") are not entries.
        return sorted(p.stem for p in folder.glob("*/*.safetensors") if not p.name.startswith("."))
