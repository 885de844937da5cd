"""Hostile model files for tests: checkpoints whose pickle runs code (`__reduce__`) when fully
unpickled. Each payload writes a marker file; a test passes only if the marker never appears.

    make_hostile(dir, tiny_paths) -> {"vqgan": Path, "clip": Path, "vqgan_blocked": Path, "marker": Path}

The VQGAN and CLIP files hold the tiny models' real weights, so a loader that stubs the payload
still renders with them; `*_blocked` uses `os.system`, which torch refuses outright. Every trust
store the code has ever kept is seeded with their hashes: a forged `<file>.sha256` sidecar,
the old `trusted.json`, and the data dir's hash cache.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
from pathlib import Path

import torch


class Payload:
    """Unpickling this calls `exec(code)`: writes the marker."""

    def __init__(self, code: str):
        self.code = code

    def __reduce__(self):
        return (builtins.exec, (self.code,))


class BlockedPayload:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _sidecars(path: Path, models_dir: Path | None) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    st = path.stat()
    (path.parent / (path.name + ".sha256")).write_text(
        json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}))
    if models_dir is not None:
        models_dir.mkdir(parents=True, exist_ok=True)
        store = models_dir / "trusted.json"
        old = json.loads(store.read_text())["sha256"] if store.exists() else []
        store.write_text(json.dumps({"sha256": sorted(set(old) | {digest})}))
    from dreamreel.core.engine.models import cached_file_sha256

    assert cached_file_sha256(path) == digest  # and in the data dir's own hash cache


def make_hostile(dir: str | Path, tiny: dict, *, models_dir: Path | None = None) -> dict:
    dir = Path(dir)
    dir.mkdir(parents=True, exist_ok=True)
    marker = dir / "PWNED"
    code = f"open({str(marker)!r}, 'w').write('code ran')"
    vqgan_state = torch.load(tiny["vqgan_ckpt"], weights_only=True)
    vqgan_state["callbacks"] = {"evil": Payload(code)}
    paths = {"vqgan": dir / "tiny_vqgan.ckpt", "clip": dir / "evil_clip.pt",
             "vqgan_blocked": dir / "blocked_vqgan.ckpt", "marker": marker}
    torch.save(vqgan_state, paths["vqgan"])
    clip_state = dict(torch.load(tiny["clip_ckpt"], weights_only=True))
    clip_state["evil"] = Payload(code)  # a non-tensor entry: dropped with the stub
    torch.save({"state_dict": clip_state, "extra": Payload(code)}, paths["clip"])
    torch.save({"state_dict": vqgan_state["state_dict"], "x": BlockedPayload(marker)}, paths["vqgan_blocked"])
    (dir / "tiny_vqgan.yaml").write_text(Path(tiny["vqgan_config"]).read_text())
    paths["vqgan_config"] = dir / "tiny_vqgan.yaml"
    for key in ("vqgan", "clip", "vqgan_blocked"):
        _sidecars(paths[key], models_dir)
    return paths
