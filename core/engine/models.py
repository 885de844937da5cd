"""VQGAN presets, where model files live, and how a name becomes files on disk.

A preset names a config yaml and a checkpoint, each with mirrors tried in order (the original
Heidelberg heibox links first; those hosts decay). Sizes and sha256 are stored only where known
for certain, else None ("unverified"). No hash, list or sidecar ever makes a checkpoint load
differently: every pickle goes through `checkpoint.load_pickle_safely` (no code runs).

Lookup order for each file: explicit path (CLI flag) > environment variable > models dir.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from dreamreel.core.atomic import atomic_write_text
from dreamreel.core.errors import ModelNotFoundError
from dreamreel.core.hashing import cached_file_sha256, known_sha256, remember_sha256  # noqa: F401 - one hash cache
from dreamreel.core.paths import cache_dir, data_dir

ENV_MODELS_DIR = "DREAMREEL_MODELS_DIR"
ENV_VQGAN_CONFIG = "DREAMREEL_VQGAN_CONFIG"
ENV_VQGAN_CKPT = "DREAMREEL_VQGAN_CKPT"
ENV_CLIP_CKPT = "DREAMREEL_CLIP_CKPT"


@dataclass(frozen=True)
class ModelFile:
    """One file of a preset. Mirrors are https URLs or `hf://owner/repo/path/in/repo`."""

    filename: str
    mirrors: tuple[str, ...]
    size: int | None = None  # exact bytes, None = unverified
    sha256: str | None = None  # None = unverified
    approx_mb: int | None = None  # for display only


def _ddconfig(ch_mult, attn, z=256):
    return dict(double_z=False, z_channels=z, resolution=256, in_channels=3, out_ch=3, ch=128,
                ch_mult=list(ch_mult), num_res_blocks=2, attn_resolutions=list(attn), dropout=0.0)


def _heibox(share: str, path: str) -> str:
    return f"https://heibox.uni-heidelberg.de/d/{share}/files/?p={path}&dl=1"


@dataclass(frozen=True)
class Preset:
    """A named VQGAN: its files and its `model.params` (embedded so the architecture can be
    built without the yaml, e.g. by the benchmark)."""

    name: str
    description: str
    config: ModelFile
    ckpt: ModelFile
    params: dict = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "vqgan_imagenet_f16_16384", "ImageNet, f=16, 16384 codes",
            ModelFile("vqgan_imagenet_f16_16384.yaml", (
                _heibox("a7530b09fed84f80a887", "%2Fconfigs%2Fmodel.yaml"),
                "https://heibox.uni-heidelberg.de/f/274fb24ed38341bfa753/?dl=1",
            )),
            ModelFile("vqgan_imagenet_f16_16384.ckpt", (
                _heibox("a7530b09fed84f80a887", "%2Fckpts%2Flast.ckpt"),
                "https://heibox.uni-heidelberg.de/f/867b05fc8c4841768640/?dl=1",
            ), approx_mb=980),
            dict(target="taming.models.vqgan.VQModel", embed_dim=256, n_embed=16384,
                 ddconfig=_ddconfig([1, 1, 2, 2, 4], [16])),
        ),
        Preset(
            "vqgan_imagenet_f16_1024", "ImageNet, f=16, 1024 codes",
            ModelFile("vqgan_imagenet_f16_1024.yaml", (_heibox("8088892a516d4e3baf92", "%2Fconfigs%2Fmodel.yaml"),)),
            ModelFile("vqgan_imagenet_f16_1024.ckpt", (_heibox("8088892a516d4e3baf92", "%2Fckpts%2Flast.ckpt"),),
                      approx_mb=958),
            dict(target="taming.models.vqgan.VQModel", embed_dim=256, n_embed=1024,
                 ddconfig=_ddconfig([1, 1, 2, 2, 4], [16])),
        ),
        Preset(
            # Fine-tuned from the ImageNet f16 16384 model; the embedded params assume its
            # architecture (unverified here: the downloaded yaml is what loading uses).
            "wikiart_16384", "WikiArt, f=16, 16384 codes",
            ModelFile("wikiart_16384.yaml", (
                "https://github.com/Eleiber/VQGAN-Mirrors/releases/download/0.0.1/wikiart_16384.yaml",
            )),
            ModelFile("wikiart_16384.ckpt", (
                "https://github.com/Eleiber/VQGAN-Mirrors/releases/download/0.0.1/wikiart_16384.ckpt",
            )),
            dict(target="taming.models.vqgan.VQModel", embed_dim=256, n_embed=16384,
                 ddconfig=_ddconfig([1, 1, 2, 2, 4], [16])),
        ),
        Preset(
            "vqgan_gumbel_f8_8192", "Open Images, f=8, 8192 codes, Gumbel quantiser",
            ModelFile("vqgan_gumbel_f8_8192.yaml", (_heibox("2e5662443a6b4307b470", "%2Fconfigs%2Fmodel.yaml"),)),
            ModelFile("vqgan_gumbel_f8_8192.ckpt", (_heibox("2e5662443a6b4307b470", "%2Fckpts%2Flast.ckpt"),),
                      approx_mb=376),
            dict(target="taming.models.vqgan.GumbelVQ", embed_dim=256, n_embed=8192, kl_weight=1.0e-8,
                 ddconfig=_ddconfig([1, 1, 2, 4], [32])),
        ),
    )
}
DEFAULT_PRESET = "vqgan_imagenet_f16_16384"


def models_dir() -> Path:
    """`$DREAMREEL_MODELS_DIR`, else the per-user cache dir's `models` folder."""
    env = os.environ.get(ENV_MODELS_DIR)
    if env:
        return Path(env).expanduser()
    return cache_dir() / "models"


def preset(name: str) -> Preset:
    """The preset called `name`; ModelNotFoundError listing the known ones otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ModelNotFoundError(
            f"{name}: unknown VQGAN preset (known: {', '.join(PRESETS)}); or pass --vqgan-config and --vqgan-ckpt"
        ) from None


def _pick(explicit, env: str, default: Path, what: str, fetch: str) -> Path:
    if explicit:
        path, origin = Path(explicit).expanduser(), "given path"
    elif os.environ.get(env):
        path, origin = Path(os.environ[env]).expanduser(), f"${env}"
    else:
        path, origin = default, "models dir"
    if not path.is_file():
        raise ModelNotFoundError(f"{what} {path.name} not found at {path} ({origin}); {fetch}")
    return path


def resolve_vqgan(name: str, config: str | os.PathLike | None = None,
                  ckpt: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """Paths of a VQGAN's yaml and checkpoint; ModelNotFoundError says where we looked and how to fetch."""
    root = models_dir()
    if name in PRESETS:
        p = PRESETS[name]
        fetch = f"run `dreamreel models download {name}`"
        default_cfg, default_ckpt = root / p.config.filename, root / p.ckpt.filename
    else:
        if not (config or os.environ.get(ENV_VQGAN_CONFIG)) or not (ckpt or os.environ.get(ENV_VQGAN_CKPT)):
            preset(name)  # raises: unknown preset and no explicit files
        fetch = "check --vqgan-config / --vqgan-ckpt"
        default_cfg, default_ckpt = root / f"{name}.yaml", root / f"{name}.ckpt"
    cfg_path = _pick(config, ENV_VQGAN_CONFIG, default_cfg, "VQGAN config", fetch)
    ckpt_path = _pick(ckpt, ENV_VQGAN_CKPT, default_ckpt, "VQGAN checkpoint", fetch)
    return cfg_path, ckpt_path


def resolve_clip_ckpt(ckpt: str | os.PathLike | None = None) -> Path | None:
    """An explicit CLIP checkpoint from the flag or `$DREAMREEL_CLIP_CKPT`, else None (use the tag)."""
    if not ckpt and not os.environ.get(ENV_CLIP_CKPT):
        return None
    return _pick(ckpt, ENV_CLIP_CKPT, Path(), "CLIP checkpoint", "check --clip-ckpt / $DREAMREEL_CLIP_CKPT")


# --- what this user's downloads verified ---------------------------------------------------


def _records_file() -> Path:
    return data_dir() / "verified.json"


def _records() -> dict:
    try:
        data = json.loads(_records_file().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def recorded(key: str) -> dict | None:
    """{size, sha256, source, when} that the first verified download of `key` (e.g.
    `vqgan_imagenet_f16_1024/vqgan_imagenet_f16_1024.ckpt`, `clip:ViT-B-32/openai`) saw, or None.
    It only tells later downloads what to expect and `verify` what changed: it never makes a
    file load differently."""
    entry = _records().get(key)
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) or len(entry["sha256"]) != 64:
        return None
    if not isinstance(entry.get("size"), int):
        return None
    return entry


def record_verified(key: str, size: int, sha256: str, source: str) -> None:
    """Remember a download that passed every check (kept if one is recorded already)."""
    import datetime

    data = _records()
    if recorded(key) is not None:
        return
    data[key] = {"size": int(size), "sha256": sha256, "source": source,
                 "when": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    try:
        atomic_write_text(_records_file(), json.dumps(data, indent=1, sort_keys=True) + "\n")
    except OSError:
        pass  # an unwritable data dir only loses the record


def file_key(preset_name: str, f: ModelFile) -> str:
    return f"{preset_name}/{f.filename}"


def expected(key: str, f: ModelFile | None = None) -> tuple[int | None, str | None, str]:
    """(size, sha256, where they come from) a file must match: the preset's own (host-published)
    facts, else this user's first verified download of it, else nothing ("unverified")."""
    if f is not None and (f.size is not None or f.sha256 is not None):
        return f.size, f.sha256, "preset"
    rec = recorded(key)
    if rec is not None:
        return rec["size"], rec["sha256"], f"recorded by your first verified download ({rec['when'][:10]})"
    return None, None, "unverified"
