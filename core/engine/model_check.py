"""Is this file the model it claims to be? The structural checks a download must pass before it
lands under its final name, and that `dreamreel models verify` runs on files already there.

Each check reads the file the way loading does (never running code from it) and raises a
one-line `DreamreelError` naming the file and what is wrong:

- `check_not_html`: an error or login page saved as a model (the commonest broken download);
- `check_vqgan_config`: a taming yaml whose `model.params` build a VQGAN;
- `check_vqgan_ckpt`: the checkpoint's tensors have every name and shape that config needs;
- `check_clip_file`: open_clip's model of that name accepts the weights (`load_clip_weights`);
- `check_weights`: any weights file the safe loader can read (RIFE, or a bare path).

Models are built on the `meta` device: shapes only, no memory, no random init.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

from dreamreel.core.errors import DreamreelError

HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<!--")


def looks_like_html(head: bytes) -> bool:
    """Whether the first bytes of a body are an HTML (or XML error) page, not a model file."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(HTML_STARTS)


def check_not_html(path: str | os.PathLike, label: str | None = None) -> None:
    with open(path, "rb") as f:
        head = f.read(512)
    if looks_like_html(head):
        raise DreamreelError(f"{label or path}: is an HTML page, not a model file (an error or login page "
                             "saved in its place?)")
    if not head:
        raise DreamreelError(f"{label or path}: is empty")


@contextlib.contextmanager
def _on_meta():
    import torch

    with torch.device("meta"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "copying from a non-meta parameter ... is a no-op"
        yield


def check_vqgan_config(path: str | os.PathLike, label: str | None = None) -> dict:
    """The config's `model.params`, after checking they build a VQGAN."""
    from omegaconf import OmegaConf

    from dreamreel.core.engine.vqgan import build_vqgan, model_params

    label = label or str(path)
    check_not_html(path, label)
    try:
        params = model_params(OmegaConf.load(path))
    except Exception as e:  # noqa: BLE001 - yaml/omegaconf errors vary
        raise DreamreelError(f"{label}: not a VQGAN config ({type(e).__name__}: "
                             f"{(str(e).splitlines() or [''])[0][:160]})") from None
    try:
        with _on_meta():
            build_vqgan(params)
    except DreamreelError as e:
        raise DreamreelError(f"{label}: {e}") from None
    except Exception as e:  # noqa: BLE001 - a config naming impossible sizes
        raise DreamreelError(f"{label}: not a buildable VQGAN config ({type(e).__name__})") from None
    return params


def check_vqgan_ckpt(ckpt: str | os.PathLike, config: str | os.PathLike, label: str | None = None) -> None:
    """Every weight `config`'s VQGAN needs is in `ckpt`, with its shape (read safely)."""
    from dreamreel.core.engine.checkpoint import read_tensors
    from dreamreel.core.engine.vqgan import build_vqgan, check_state_dict

    label = label or str(ckpt)
    check_not_html(ckpt, label)
    params = check_vqgan_config(config)
    with _on_meta():
        model = build_vqgan(params)
    try:
        state = read_tensors(ckpt, prefer_converted=False)
        check_state_dict(model, state, label, Path(config).name)
    except DreamreelError as e:
        raise DreamreelError(str(e).replace(str(ckpt), label)) from None


def check_clip_file(path: str | os.PathLike, model: str, label: str | None = None) -> None:
    """open_clip's `model` accepts the weights (names, shapes, its own layout fix-ups)."""
    import open_clip

    from dreamreel.core.engine.clip_model import _quiet_random_init, load_clip_weights, register_config

    label = label or str(path)
    check_not_html(path, label)
    name = register_config(model)
    with _quiet_random_init(), _on_meta():
        clip = open_clip.create_model(name, pretrained=None, device="meta")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "copying from a non-meta parameter ... is a no-op"
            load_clip_weights(clip, path, name)
    except DreamreelError as e:
        raise DreamreelError(str(e).replace(str(path), label)) from None


def check_weights(path: str | os.PathLike, label: str | None = None) -> None:
    """A weights file the safe loader reads to at least one tensor."""
    from dreamreel.core.engine.checkpoint import read_tensors

    label = label or str(path)
    check_not_html(path, label)
    try:
        read_tensors(path, prefer_converted=False)
    except DreamreelError as e:
        raise DreamreelError(str(e).replace(str(path), label)) from None


def verify_file(path: str | os.PathLike, check, *, size: int | None = None, sha256: str | None = None,
                origin: str = "expected") -> tuple[int, str]:
    """(size, sha256) of a file that matches the expected size and hash (when known) and passes
    `check(path)`; one-line DreamreelError naming the file and the first problem otherwise."""
    from dreamreel.core.hashing import file_sha256

    path = Path(path)
    if not path.is_file():
        raise DreamreelError(f"{path}: not found")
    try:
        got = path.stat().st_size
        digest = file_sha256(path)
    except OSError as e:
        raise DreamreelError(f"{path}: cannot read ({e.strerror or e})") from None
    if size is not None and got != size:
        raise DreamreelError(f"{path}: {got} bytes, {origin} {size}")
    if sha256 is not None and digest != sha256.lower():
        raise DreamreelError(f"{path}: sha256 {digest[:16]}... is not the {origin} {sha256.lower()[:16]}...")
    check(path)
    return got, digest
