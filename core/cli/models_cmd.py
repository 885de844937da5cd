"""`dreamreel models list|download NAME|path NAME`: the VQGAN presets and CLIP weights on disk."""

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
    w = sub.add_parser("path", help="print where a model's files are (error if absent)")
    w.add_argument("name")
    w.add_argument("--vqgan-config", default=None)
    w.add_argument("--vqgan-ckpt", default=None)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return {"list": _list, "download": _download, "path": _path}[args.models_command](args)


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
    return 0


def _download(args) -> int:
    from dreamreel.core.engine.download import fetch
    from dreamreel.core.engine.models import models_dir, preset, trust

    if args.name.startswith("clip:"):
        from dreamreel.core.engine.clip_model import fetch_pretrained, parse_clip_name, register_config

        model, tag = parse_clip_name(args.name)
        print(fetch_pretrained(register_config(model), tag))
        return 0
    p = preset(args.name)
    root = models_dir()
    for f in (p.config, p.ckpt):
        dest = root / f.filename
        if dest.is_file():
            print(f"{dest} (already present)")
            continue
        digest = fetch(f.mirrors, dest, sha256=f.sha256, size=f.size, progress=not args.quiet)
        if f.sha256 is None:
            trust(digest)  # unverified preset: trust what we fetched ourselves, by hash
        print(dest)
    return 0


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
