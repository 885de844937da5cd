"""The VQGAN+CLIP engine's registry entry and settings (torch-free at import; the engine is
`vqgan_clip.py`). Its identity is worked out from the settings and the model files on disk
(hashes cached beside each file), without loading a model, and equals the loaded engine's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dreamreel.core.engine.registry import EngineEntry, Missing, setting
from dreamreel.core.errors import DreamreelError, ModelNotFoundError

NAME = "vqgan-clip"


def _presets() -> tuple[str, ...]:
    from dreamreel.core.engine.models import PRESETS

    return tuple(PRESETS)


@dataclass
class VqganClipSettings:
    """Everything of VQGAN+CLIP that shapes pictures, besides the prompts and the size."""

    iterations_first: int = setting(200, label="Iterations (first keyframe)", lo=0, hi=100000, step=10,
                                    help="Adam steps from random tokens")
    iterations: int = setting(30, label="Iterations (next keyframes)", lo=0, hi=100000, step=5,
                              help="Adam steps from the previous keyframe (warm start)")
    learning_rate: float = setting(0.1, label="Learning rate", lo=1e-6, hi=100.0, step=0.01,
                                   help="Adam step size on the latent")
    cutn: int = setting(32, label="Cutouts", lo=1, hi=1024, step=1,
                        help="random crops CLIP scores per step (more: steadier, slower, more memory)")
    cut_pow: float = setting(1.0, label="Cutout size power", lo=1e-3, hi=10.0, step=0.1,
                             help="above 1 favours small crops (detail), below 1 large ones")
    vqgan: str = setting("vqgan_imagenet_f16_16384", label="VQGAN model", suggestions=_presets(),
                         help="a preset (`dreamreel models list`) or the name of your own files")
    clip_model: str = setting("ViT-B-32", label="CLIP model", help="an open_clip model name or config json")
    clip_pretrained: str = setting("openai", label="CLIP weights tag",
                                   help="open_clip pretrained tag ('' with a CLIP checkpoint)")
    vqgan_config: str = setting("", label="VQGAN config file", key=False, advanced=True,
                                help="local yaml instead of the preset's (this machine only)")
    vqgan_ckpt: str = setting("", label="VQGAN checkpoint file", key=False, advanced=True,
                              help="local checkpoint instead of the preset's (this machine only)")
    clip_ckpt: str = setting("", label="CLIP checkpoint file", key=False, advanced=True,
                             help="local CLIP weights instead of the tag's (this machine only)")


# Engine constants that change pictures (VqganClipEngine's defaults).
TV_WEIGHT, INIT_WEIGHT, NOISE_FAC, AUGMENT = 0.0, 0.0, 0.1, True


@dataclass(frozen=True)
class ModelFiles:
    """The files a VQGAN+CLIP engine loads, and the names its identity uses."""

    vqgan_config: Path
    vqgan_ckpt: Path
    clip_file: Path
    clip_is_ckpt: bool  # True: an explicit checkpoint, False: the tag's cached file
    vqgan_id: str
    clip_name: str  # registered open_clip model name


def resolve_files(s: VqganClipSettings) -> ModelFiles:
    """Where the settings' model files are (flags/settings > env vars > models dir), without
    loading them; ModelNotFoundError says where we looked and how to fetch."""
    from dreamreel.core.engine.clip_model import cached_pretrained, register_config
    from dreamreel.core.engine.models import resolve_clip_ckpt, resolve_vqgan

    cfg, ckpt = resolve_vqgan(s.vqgan, s.vqgan_config or None, s.vqgan_ckpt or None)
    clip_name = register_config(s.clip_model)
    clip_path = resolve_clip_ckpt(s.clip_ckpt or None)
    if clip_path is None:
        if not s.clip_pretrained:
            raise ModelNotFoundError(f"CLIP {clip_name}: no pretrained tag and no checkpoint; pass --clip-ckpt FILE")
        clip_file = cached_pretrained(clip_name, s.clip_pretrained)
    else:
        clip_file = clip_path
    vqgan_id = s.vqgan if not s.vqgan_config and not s.vqgan_ckpt else ckpt.stem
    return ModelFiles(cfg, ckpt, clip_file, clip_path is not None, vqgan_id, clip_name)


def clip_label(files: ModelFiles, s: VqganClipSettings) -> str:
    """The CLIP part of the identity: model/tag, or model/checkpoint file name."""
    return f"{files.clip_name}/{files.clip_file.name}" if files.clip_is_ckpt else f"{files.clip_name}/{s.clip_pretrained}"


def identity_of(vqgan_id: str, clip: str, weight_files: dict, device_type: str, autocast: str, *,
                tv_weight: float, init_weight: float, noise_fac: float, augment: bool) -> dict:
    """The cache identity (one formula for the loaded engine and the registry): model names,
    weight and config sha256s, device type and autocast dtype (both change latents), engine
    constants and ENGINE_VERSION."""
    from dreamreel.core.engine.base import ENGINE_VERSION
    from dreamreel.core.engine.models import cached_file_sha256

    ident = {"engine": NAME, "engine_version": ENGINE_VERSION, "vqgan": vqgan_id, "clip": clip}
    for role, path in sorted(weight_files.items()):
        ident[f"{role}_sha256"] = cached_file_sha256(path)
    ident.update(device=device_type, autocast=autocast, tv_weight=f"{tv_weight:g}",
                 init_weight=f"{init_weight:g}", noise_fac=f"{noise_fac:g}", augment=str(augment))
    return ident


def _identity(s: VqganClipSettings, render) -> dict:
    from dreamreel.core.engine.devices import autocast_dtype, pick_device

    files = resolve_files(s)
    device = pick_device(render.device)
    dtype = autocast_dtype(device)
    return identity_of(files.vqgan_id, clip_label(files, s),
                       {"vqgan": files.vqgan_ckpt, "vqgan_config": files.vqgan_config, "clip": files.clip_file},
                       device.type, str(dtype).removeprefix("torch.") if dtype else "off",
                       tv_weight=TV_WEIGHT, init_weight=INIT_WEIGHT, noise_fac=NOISE_FAC, augment=AUGMENT)


def _missing(s: VqganClipSettings) -> list[Missing]:
    from dreamreel.core.engine.clip_model import cached_pretrained, register_config
    from dreamreel.core.engine.models import resolve_clip_ckpt, resolve_vqgan

    out = []
    try:
        resolve_vqgan(s.vqgan, s.vqgan_config or None, s.vqgan_ckpt or None)
    except DreamreelError as e:
        out.append(Missing(f"VQGAN {s.vqgan}", str(e), download=s.vqgan if s.vqgan in _presets() else ""))
    try:
        if resolve_clip_ckpt(s.clip_ckpt or None) is None:
            if not s.clip_pretrained:
                raise ModelNotFoundError(f"CLIP {s.clip_model}: no pretrained tag and no checkpoint; "
                                         "set clip_ckpt or clip_pretrained")
            cached_pretrained(register_config(s.clip_model), s.clip_pretrained)
    except DreamreelError as e:
        out.append(Missing(f"CLIP {s.clip_model}/{s.clip_pretrained}", str(e)))
    return out


def _key_params(s: VqganClipSettings) -> dict:
    return {"learning_rate": float(s.learning_rate), "cutn": int(s.cutn), "cut_pow": float(s.cut_pow)}


def _load(s: VqganClipSettings, render, device):
    from dreamreel.core.engine.vqgan_clip import VqganClipEngine

    return VqganClipEngine.from_settings(s, device=device or render.device)


def _memory(s: VqganClipSettings, render, device_type: str) -> int:
    from dreamreel.core.engine.devices import estimate_memory

    half = device_type != "cpu"  # autocast keeps activations in 16 bits on GPUs
    return estimate_memory(render.width, render.height, cutn=s.cutn, bytes_per_value=2 if half else 4)


ENTRY = EngineEntry(
    name=NAME,
    label="VQGAN+CLIP (AI, needs models)",
    description="VQGAN latents optimised against CLIP text embeddings (z+quantize).",
    settings_cls=VqganClipSettings,
    load_fn=_load,
    identity_fn=_identity,
    key_params_fn=_key_params,
    missing_fn=_missing,
    needs_worker_process=True,  # a GPU step cannot be interrupted from another thread
    memory_fn=_memory,
    timing_steps=1,
)
