"""`dreamreel models list|download|verify|convert|path`: the VQGAN presets and CLIP weights on disk."""

from __future__ import annotations

import argparse

CLIP_EXAMPLE = "clip:ViT-B-32/openai"


def register(subparsers) -> None:
    p = subparsers.add_parser("models", help="list, download or locate model weights",
                              description="Model weights live in $DREAMREEL_MODELS_DIR or the per-user cache.")
    sub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="presets and whether their files are present")
    d = sub.add_parser("download", help=f"fetch a preset or CLIP weights ({CLIP_EXAMPLE})")
    d.add_argument("name", help=f"a VQGAN preset name or {CLIP_EXAMPLE}")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    c = sub.add_parser("convert", help="write a .safetensors copy of a pickle checkpoint (later loads use it)",
                       description="Reads a .ckpt/.pt/.pth safely (no code runs) and writes its tensors as "
                                   ".safetensors. Without -o the copy goes to Dreamreel's data dir, where every "
                                   "later load of the same file picks it up.")
    c.add_argument("name", help="a VQGAN preset name, clip:MODEL/TAG, or a checkpoint file")
    c.add_argument("-o", "--output", default=None, help="write the copy here instead (a .safetensors path)")
    w = sub.add_parser("path", help="print where a model's files are (error if absent)")
    w.add_argument("name")
    w.add_argument("--vqgan-config", default=None)
    w.add_argument("--vqgan-ckpt", default=None)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return {"list": _list, "download": _download, "path": _path, "convert": _convert}[args.models_command](args)


def _list(args) -> int:
    from dreamreel.core.engine.models import DEFAULT_PRESET, PRESETS, models_dir

    root = models_dir()
    print(f"models dir: {root}")
    for name, p in PRESETS.items():
        present = all((root / f.filename).is_file() for f in (p.config, p.ckpt))
        size = f"~{p.ckpt.approx_mb} MB" if p.ckpt.approx_mb else "size unverified"
        default = " (default)" if name == DEFAULT_PRESET else ""
        state = "present" if present else "missing"
        print(f"  {name:<26} {state:<8} {size:<16} {p.description}{default}")
    print(f"  {CLIP_EXAMPLE:<26} {'hub':<8} {'':<16} any open_clip model/tag, via the Hugging Face cache")
    from dreamreel.core.engine.sd_models import list_rows

    for name, present, size, text in list_rows():
        print(f"  {name:<26} {'present' if present else 'missing':<8} {size:<16} {text}")
    print(f"  {'OWNER/REPO':<26} {'hub':<8} {'':<16} any diffusers Stable Diffusion repo (fp16 safetensors only)")
    return 0


def _download(args) -> int:
    from dreamreel.core.engine.download import download_preset
    from dreamreel.core.engine.models import models_dir, preset

    if args.name.startswith("clip:"):
        from dreamreel.core.engine.clip_model import fetch_pretrained, parse_clip_name, register_config

        model, tag = parse_clip_name(args.name)
        print(fetch_pretrained(register_config(model), tag))
        return 0
    from dreamreel.core.engine.sd_models import download_sd, is_download_name

    if is_download_name(args.name):
        from dreamreel.core.engine.rife import download_rife

        bar = None if args.quiet else TqdmProgress()
        try:
            print(download_rife(progress=bar) if args.name == "rife" else download_sd(args.name))
        finally:
            if bar is not None:
                bar.close()
        return 0
    p = preset(args.name)
    present = {f.filename for f in (p.config, p.ckpt) if (models_dir() / f.filename).is_file()}
    bar = None if args.quiet else TqdmProgress()
    try:
        paths = download_preset(args.name, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    for path in paths:
        print(f"{path} (already present)" if path.name in present else path)
    return 0


class TqdmProgress:
    """Core's `progress(done_bytes, total_bytes, message)` hook drawn as tqdm bars, one per file."""

    def __init__(self):
        self._bar = None
        self._name = None

    def __call__(self, done: int, total: int, message: str) -> None:
        from tqdm import tqdm

        if self._bar is None or message != self._name:
            self.close()
            self._name = message
            self._bar = tqdm(total=total or None, initial=done, unit="B", unit_scale=True, unit_divisor=1024,
                             desc=message, leave=False)
            return
        if total and self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _path(args) -> int:
    if args.name.startswith("clip:"):
        from dreamreel.core.engine.clip_model import cached_pretrained, parse_clip_name, register_config

        model, tag = parse_clip_name(args.name)
        print(cached_pretrained(register_config(model), tag))
        return 0
    from dreamreel.core.engine.models import resolve_vqgan

    for path in resolve_vqgan(args.name, args.vqgan_config, args.vqgan_ckpt):
        print(path)
    return 0


def _file_of(name: str):
    """The weight file a CLI argument names: a path, a preset's checkpoint, or a cached CLIP tag."""
    from pathlib import Path

    if name.startswith("clip:"):
        from dreamreel.core.engine.clip_model import cached_pretrained, parse_clip_name, register_config

        model, tag = parse_clip_name(name)
        return cached_pretrained(register_config(model), tag)
    from dreamreel.core.engine.models import PRESETS, resolve_vqgan

    if name in PRESETS:
        return resolve_vqgan(name)[1]
    path = Path(name).expanduser()
    if not path.is_file():
        from dreamreel.core.errors import ModelNotFoundError

        raise ModelNotFoundError(f"{name}: no such file and not a preset name (known: {', '.join(PRESETS)})")
    return path


def _convert(args) -> int:
    from dreamreel.core.engine.checkpoint import convert

    src = _file_of(args.name)
    if args.output and not args.output.endswith(".safetensors"):
        from dreamreel.core.errors import DreamreelError

        raise DreamreelError(f"-o {args.output}: the copy must be named *.safetensors")
    print(convert(src, args.output))
    return 0
