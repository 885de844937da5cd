"""Reading model weights without ever running code from the file.

Every `.ckpt` / `.pt` / `.pth` / `.bin` goes through torch's own `weights_only` unpickler (no
`import`, no arbitrary calls). Checkpoints from real training runs also pickle objects that are
not weights (Lightning callbacks and hyper-parameters, optimizer state, numpy scalars): each
global such a file names is mapped to an inert `Stub` class of that name, so the file still
loads, the stubs are dropped, and nothing named by the file is ever imported or called.
Modules torch blocks outright (`sys`, ...) stay refused. TorchScript archives (code) are
refused. `.safetensors` files hold tensors only and are read as such.

A safetensors copy made by `convert` (`dreamreel models convert`) lives in Dreamreel's data
dir keyed by the source file's content hash; later loads of an unchanged source use it. No file
beside a model ever changes how that model is loaded.
"""

from __future__ import annotations

import io
import os
import threading
import zipfile
from pathlib import Path

import torch

from dreamreel.core.errors import DreamreelError

PICKLE_SUFFIXES = (".ckpt", ".pt", ".pth", ".bin")
_LOCK = threading.Lock()  # torch's allow-list is process-global: one stubbed load at a time


class CheckpointError(DreamreelError):
    """A weight file that cannot be read safely (or at all); the message is one line."""


class Stub:
    """An inert stand-in for a class or function a checkpoint names: calling, constructing or
    restoring state does nothing. Its name is the global's; it is never the real thing."""

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass

    def __repr__(self):
        return f"<stub {self.__class__.__qualname__}>"


def _stub_for(full_name: str) -> type:
    module, _, name = full_name.rpartition(".")
    return type(name or "global", (Stub,), {"__module__": f"stub:{module}", "__qualname__": name})


def _pickle_globals(path: Path) -> set[str]:
    """Every GLOBAL the file's pickle names, read statically (nothing is loaded)."""
    from torch._weights_only_unpickler import get_globals_in_pkl

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if any("/code/" in n or n.endswith("constants.pkl") for n in names):
                raise CheckpointError(f"{path}: a TorchScript archive (it carries code), not a weights file; "
                                      "use a plain state_dict or .safetensors file")
            data = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
            if len(data) != 1:
                raise CheckpointError(f"{path}: not a torch checkpoint (zip without one data.pkl)")
            return get_globals_in_pkl(io.BytesIO(z.read(data[0])))
    found: set[str] = set()
    with open(path, "rb") as f:  # legacy format: magic, protocol, sys info, object pickles, then raw bytes
        for _ in range(4):
            found |= get_globals_in_pkl(f)
    return found


def _torch_allowed() -> set[str]:
    from torch._weights_only_unpickler import _get_allowed_globals

    return set(_get_allowed_globals())


def load_pickle_safely(path: str | os.PathLike) -> tuple[object, list[str]]:
    """`torch.load(weights_only=True)` with every non-torch global stubbed; (object, stubbed names)."""
    path = Path(path)
    try:
        names = sorted(_pickle_globals(path) - _torch_allowed())
    except CheckpointError:
        raise
    except Exception as e:  # noqa: BLE001 - anything unparsable is refused
        raise CheckpointError(f"{path}: not a torch weights file, refused by the safe loader ({_why(e)})") from None
    stubs = [(_stub_for(n), n) for n in names]
    with _LOCK:
        try:
            with torch.serialization.safe_globals(stubs):
                obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # noqa: BLE001 - torch raises several types for refused pickles
            raise CheckpointError(f"{path}: refused by the safe loader ({_why(e)}); only plain weights "
                                  "are read from pickle files, never code") from None
    return obj, names


def _why(e: Exception) -> str:
    """The informative line of an exception (torch wraps refusals in paragraphs of advice)."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    pick = next((ln for ln in lines if "GLOBAL" in ln or "unsupported" in ln.lower() or "Can only" in ln),
                lines[0] if lines else "")
    pick = pick.split(". Please use")[0].split(" Please use")[0].rstrip(".")
    return f"{type(e).__name__}: {pick[:200]}" if pick else type(e).__name__


def tensors_of(obj: object, path: Path | str) -> dict[str, torch.Tensor]:
    """The name -> tensor entries of a loaded checkpoint (`state_dict` inside when present);
    anything else (stubs, numbers, optimizer state) is dropped."""
    state = obj.get("state_dict", obj) if isinstance(obj, dict) else obj
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: holds no state_dict of tensors (found {type(state).__name__})")
    tensors = {k: v for k, v in state.items() if isinstance(k, str) and isinstance(v, torch.Tensor)}
    if not tensors:
        raise CheckpointError(f"{path}: holds no tensors")
    return tensors


def read_safetensors(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"{path}: not a readable .safetensors file ({_why(e)})") from None


def read_tensors(path: str | os.PathLike, *, prefer_converted: bool = True) -> dict[str, torch.Tensor]:
    """The tensors of a weights file, never running code: `.safetensors` directly; a pickle
    through its converted safetensors copy when one exists for these exact bytes, else
    through `load_pickle_safely`."""
    path = Path(path)
    if _is_safetensors(path):
        return read_safetensors(path)
    if prefer_converted:
        copy = converted_copy(path)
        if copy is not None:
            return read_safetensors(copy)
    obj, _stubbed = load_pickle_safely(path)
    return tensors_of(obj, path)


def _is_safetensors(path: Path) -> bool:
    if path.suffix == ".safetensors":
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(9)
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read ({e.strerror or e})") from None
    # safetensors: 8-byte little-endian header length, then a JSON object
    return len(head) == 9 and head[8:9] == b"{" and not zipfile.is_zipfile(path)


# --- safetensors copies in Dreamreel's data dir --------------------------------------------


def converted_dir() -> Path:
    from dreamreel.core.engine.models import data_dir

    return data_dir() / "converted"


def converted_copy(path: str | os.PathLike) -> Path | None:
    """The safetensors copy `convert` made of this file's exact bytes, if any (no hashing: the
    hash comes from the data dir's cache, which is keyed by path, size, mtime, inode, ctime)."""
    from dreamreel.core.engine.models import known_sha256

    digest = known_sha256(path)
    if digest is None:
        return None
    copy = converted_dir() / f"{digest}.safetensors"
    return copy if copy.is_file() else None


def save_safetensors(tensors: dict[str, torch.Tensor], out: str | os.PathLike) -> Path:
    """Write tensors as safetensors atomically (shared storages are copied apart)."""
    from safetensors.torch import save_file

    from dreamreel.core.atomic import atomic_path

    seen: set[tuple[int, int]] = set()
    plain = {}
    for k, v in tensors.items():
        v = v.detach().cpu()
        key = (v.untyped_storage().data_ptr(), v.untyped_storage().nbytes())
        if key in seen or not v.is_contiguous() or v.storage_offset() or v.numel() * v.element_size() != key[1]:
            v = v.contiguous().clone()
        seen.add(key)
        plain[k] = v
    out = Path(out)
    with atomic_path(out, suffix=".safetensors") as tmp:
        save_file(plain, str(tmp), metadata={"format": "pt", "converted_by": "dreamreel"})
    return out


def convert(path: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """Make a safetensors copy of a pickle checkpoint (read safely); return its path. Without
    `out` the copy goes to the data dir, where later loads of the same bytes find it."""
    from dreamreel.core.engine.models import cached_file_sha256

    path = Path(path)
    if _is_safetensors(path):
        raise CheckpointError(f"{path}: already a .safetensors file; nothing to convert")
    tensors = read_tensors(path, prefer_converted=False)
    target = Path(out) if out is not None else converted_dir() / f"{cached_file_sha256(path)}.safetensors"
    save_safetensors(tensors, target)
    return target
