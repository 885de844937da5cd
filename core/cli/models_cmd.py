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
    d.add_argument("name", help=f"a VQGAN preset name, rife, an SD preset or hub id, or {CLIP_EXAMPLE}")
    d.add_argument("--url", default=None, help="fetch the (checkpoint) file from this URL instead: your own "
                   "mirror; https, or plain http together with --sha256")
    d.add_argument("--sha256", default=None, metavar="HEX", help="the file's expected sha256 (64 hex digits)")
    d.add_argument("--quiet", action="store_true", help="print nothing but errors (on stderr)")
    v = sub.add_parser("verify", help="check model files: size, sha256 and that they load as the model",
                       description="Checks a preset's files (or every present one) the way a download does: "
                                   "size and sha256 against the known ones, and that the weights fit the model. "
                                   "A broken preset file is fetched again by the next `models download`.")
    v.add_argument("name", nargs="?", default=None,
                   help=f"a VQGAN preset, rife, {CLIP_EXAMPLE}, or a file (default: every present preset)")
    v.add_argument("--vqgan-config", default=None, help="for a checkpoint FILE: check it against this yaml")
    v.add_argument("--clip-model", default=None, help="for a weights FILE: check open_clip's MODEL accepts it")
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
    return {"list": _list, "download": _download, "path": _path, "convert": _convert,
            "verify": _verify}[args.models_command](args)


def _list(args) -> int:
    from dreamreel.core.engine.models import DEFAULT_PRESET, PRESETS, file_key, models_dir

    root = models_dir()
    print(f"models dir: {root}")
    for name, p in PRESETS.items():
        present = all((root / f.filename).is_file() for f in (p.config, p.ckpt))
        size = f"~{p.ckpt.approx_mb} MB" if p.ckpt.approx_mb else "size unverified"
        default = " (default)" if name == DEFAULT_PRESET else ""
        state = "present" if present else "missing"
        print(f"  {name:<26} {state:<8} {size:<16} {p.description}{default}")
        for f in (p.config, p.ckpt):
            print(f"      {f.filename:<40} {_facts(file_key(name, f), f)}")
    print(f"  {CLIP_EXAMPLE:<26} {'hub':<8} {'':<16} any open_clip model/tag, via the Hugging Face cache")
    from dreamreel.core.engine.sd_models import list_rows

    for name, present, size, text in list_rows():
        print(f"  {name:<26} {'present' if present else 'missing':<8} {size:<16} {text}")
    print(f"  {'OWNER/REPO':<26} {'hub':<8} {'':<16} any diffusers Stable Diffusion repo (fp16 safetensors only)")
    return 0


def _facts(key: str, f=None) -> str:
    """`size N, sha256 HEX (where from)`, or what is not known."""
    from dreamreel.core.engine.models import expected

    size, sha, origin = expected(key, f)
    if size is None and sha is None:
        return "unverified: the host publishes no size or sha256 (recorded at your first verified download)"
    return f"{size if size is not None else '?'} bytes, sha256 {sha or '?'} ({origin})"


def _sha_arg(value: str | None) -> str | None:
    import re

    from dreamreel.core.errors import DreamreelError

    if value is None:
        return None
    if not re.fullmatch(r"[0-9a-fA-F]{64}", value.strip()):
        raise DreamreelError(f"--sha256 {value}: expected 64 hex digits")
    return value.strip().lower()


def _download(args) -> int:
    from dreamreel.core.engine.download import download_preset
    from dreamreel.core.errors import DreamreelError

    sha256 = _sha_arg(args.sha256)
    out = (lambda *a: None) if args.quiet else print
    log = None if args.quiet else _stderr
    if args.name.startswith("clip:"):
        if args.url or sha256:
            raise DreamreelError(f"{args.name}: --url/--sha256 are for preset files; download your CLIP file "
                                 "yourself and pass it with --clip-ckpt FILE")
        from dreamreel.core.engine.download import NoNetworkError, probe_hub
        from dreamreel.core.engine.models import recorded

        try:  # before open_clip's import (seconds): offline and never downloaded says so at once
            probe_hub()
        except NoNetworkError:
            if recorded(args.name) is None:
                raise
        from dreamreel.core.engine.clip_model import fetch_pretrained, parse_clip_name, register_config

        model, tag = parse_clip_name(args.name)
        path, fetched = fetch_pretrained(register_config(model), tag, log=log, progress_bars=not args.quiet)
        out(path if fetched else f"{path} (already present)")
        return 0
    from dreamreel.core.engine.sd_models import download_sd, is_download_name

    if is_download_name(args.name):
        from dreamreel.core.engine.rife import download_rife

        if args.name != "rife" and (args.url or sha256):
            raise DreamreelError(f"{args.name}: --url/--sha256 are for single-file presets (VQGAN, rife)")
        bar = None if args.quiet else TqdmProgress()
        try:
            if args.name == "rife":
                out(download_rife(progress=bar, log=log, url=args.url, sha256=sha256))
            else:
                from huggingface_hub import constants

                from dreamreel.core.engine.download import hub_quiet, probe_hub

                if not constants.HF_HUB_OFFLINE:  # offline mode: the hub cache answers, quickly
                    probe_hub()
                with hub_quiet(not args.quiet):
                    print(download_sd(args.name))
        finally:
            if bar is not None:
                bar.close()
        return 0
    from dreamreel.core.engine.models import models_dir, preset

    p = preset(args.name)
    before = {f.filename: _stamp(models_dir() / f.filename) for f in (p.config, p.ckpt)}
    bar = None if args.quiet else TqdmProgress()
    try:
        paths = download_preset(args.name, progress=bar, log=log, url=args.url, sha256=sha256)
    finally:
        if bar is not None:
            bar.close()
    for path in paths:
        out(f"{path} (already present)" if before[path.name] is not None and before[path.name] == _stamp(path)
            else path)
    return 0


def _stamp(path):
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def _stderr(line: str) -> None:
    import sys

    print(line, file=sys.stderr)


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


def _verify(args) -> int:
    """Check files as a download does; one line per file (broken ones on stderr), exit 2 if any is broken."""
    import sys
    from pathlib import Path

    from dreamreel.core.engine import model_check as mc
    from dreamreel.core.engine.models import PRESETS, expected, file_key, models_dir
    from dreamreel.core.errors import DreamreelError

    jobs = []  # (label key, path, check, size, sha256, origin)
    root = models_dir()

    def add_preset(name):
        p = PRESETS[name]
        cfg = root / p.config.filename
        for f, check in ((p.config, lambda path: mc.check_vqgan_config(path)),
                         (p.ckpt, lambda path, cfg=cfg: mc.check_vqgan_ckpt(path, cfg))):
            jobs.append((root / f.filename, check, *expected(file_key(name, f), f)))

    def add_rife():
        from dreamreel.core.engine.rife import RIFE_FILE, load_ifnet

        jobs.append((root / RIFE_FILE, lambda path: load_ifnet(path) and None, *expected(f"rife/{RIFE_FILE}")))

    name = args.name
    if name is None:
        for n, p in PRESETS.items():
            if any((root / f.filename).exists() for f in (p.config, p.ckpt)):
                add_preset(n)
        from dreamreel.core.engine.rife import RIFE_FILE

        if (root / RIFE_FILE).exists():
            add_rife()
        if not jobs:
            print(f"no preset files in {root}")
            return 0
    elif name in PRESETS:
        add_preset(name)
    elif name == "rife":
        add_rife()
    elif name.startswith("clip:"):
        from dreamreel.core.engine.clip_model import cached_pretrained, parse_clip_name, register_config

        model, tag = parse_clip_name(name)
        model = register_config(model)
        jobs.append((cached_pretrained(model, tag), lambda path: mc.check_clip_file(path, model),
                     *expected(name)))
    else:
        path = Path(name).expanduser()
        if not path.exists():
            raise DreamreelError(f"{name}: no such file and not a preset name (known: {', '.join(PRESETS)}, rife, "
                                 "clip:MODEL/TAG)")
        if args.clip_model:
            from dreamreel.core.engine.clip_model import register_config

            model = register_config(args.clip_model)
            check = lambda p: mc.check_clip_file(p, model)  # noqa: E731
        elif args.vqgan_config:
            check = lambda p: mc.check_vqgan_ckpt(p, args.vqgan_config)  # noqa: E731
        elif path.suffix in (".yaml", ".yml"):
            check = mc.check_vqgan_config
        else:
            check = mc.check_weights
        jobs.append((path, check, None, None, "unverified"))
    broken = 0
    for path, check, size, sha, origin in jobs:
        try:
            got, digest = mc.verify_file(path, check, size=size, sha256=sha, origin=origin)
        except DreamreelError as e:
            broken += 1
            fix = f"; `dreamreel models download {name}` fetches it again" if name in PRESETS or name == "rife" \
                or (name and name.startswith("clip:")) else ""
            print(f"dreamreel models: broken: {e}{fix}", file=sys.stderr)
            continue
        known = "matches the known sha256" if sha else "no known sha256 to compare"
        print(f"ok  {path}  {got} bytes  sha256 {digest}  ({known})")
    return 2 if broken else 0
