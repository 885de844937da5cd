"""The Stable Diffusion engine's registry entry and settings (torch-free at import; the engine
is `sd.py`, model lookup `sd_models.py`). Its identity is worked out from the settings and the
files on disk (hashes cached beside each file), without loading the model."""

from __future__ import annotations

from dataclasses import dataclass

from dreamreel.core.engine.registry import EngineEntry, Missing, setting
from dreamreel.core.errors import DreamreelError

NAME = "sd"


@dataclass
class SdSettings:
    """What shapes SD pictures besides the prompts and the size. The defaults are SD-Turbo's
    recipe; `dreamreel models list` prints each preset's (SD 1.5: 25/12 of 25 steps, guidance 7.5)."""

    iterations_first: int = setting(1, label="Steps (first keyframe)", lo=1, hi=200, step=1,
                                    help="text-to-image denoising steps of a random start")
    iterations: int = setting(2, label="Steps (next keyframes)", lo=0, hi=200, step=1,
                              help="image-to-image steps from the previous keyframe: strength = steps / schedule "
                                   "steps (the music's effort scales it; 0 keeps the picture)")
    schedule_steps: int = setting(4, label="Schedule steps", lo=1, hi=200, step=1,
                                  help="length of the image-to-image noise schedule warm starts run part of")
    guidance_scale: float = setting(0.0, label="Guidance scale", lo=0.0, hi=30.0, step=0.5,
                                    help="classifier-free guidance (0 for Turbo models); above 1 the style's "
                                         "negatives push the picture away")
    sd_model: str = setting("", label="Model", key=False,
                            help="a preset (sd-turbo, sdxl-turbo, sd15, sd15-lcm), a diffusers folder, a "
                                 ".safetensors file or a hub id; empty: $DREAMREEL_SD_MODEL, else sd-turbo")
    lora: str = setting("", label="LoRA", key=False, advanced=True,
                        help="a LoRA fused into the UNet: lcm-lora-sdv1-5 or a .safetensors file")
    sd_config: str = setting("", label="Single-file configs", key=False, advanced=True,
                             help="for a single .safetensors: a diffusers folder or hub id of its family")


def _model(s: SdSettings):
    from dreamreel.core.engine.sd_models import resolve_model_and_lora

    return resolve_model_and_lora(s.sd_model, s.lora)


def _identity(s: SdSettings, render) -> dict:
    from dreamreel.core.engine.devices import pick_device
    from dreamreel.core.engine.sd import scheduler_name, sd_dtype, sd_identity
    from dreamreel.core.engine.sd_models import model_variant, weight_files

    source, lora_id, lora = _model(s)
    files = weight_files(source, model_variant(source), s.sd_config)
    if lora is not None:
        files["lora"] = lora
    device = pick_device(render.device)
    return sd_identity(source.label, files, device.type, sd_dtype(device), scheduler_name(source, lora, s.sd_config),
                       lora_id, s.guidance_scale, s.schedule_steps)


def _missing(s: SdSettings) -> list[Missing]:
    try:
        _model(s)
    except DreamreelError as e:
        return [Missing(f"Stable Diffusion model {s.sd_model or 'default'}", str(e))]
    return []


def _key_params(s: SdSettings) -> dict:
    return {"guidance_scale": float(s.guidance_scale), "schedule_steps": int(s.schedule_steps)}


def _load(s: SdSettings, render, device):
    from dreamreel.core.engine.sd import SdEngine

    return SdEngine.from_settings(s, render, device)


def _is_xl(s: SdSettings) -> bool:
    import json

    try:
        source, _, _ = _model(s)
    except DreamreelError:
        from dreamreel.core.engine.sd_models import DEFAULT_SD_MODEL, SD_PRESETS

        p = SD_PRESETS.get(s.sd_model or DEFAULT_SD_MODEL)
        return bool(p and p.xl)
    if source.kind == "file":
        return "xl" in source.path.name.lower()
    try:
        return "XL" in json.loads((source.path / "model_index.json").read_text()).get("_class_name", "")
    except (OSError, ValueError):
        return False


def _memory(s: SdSettings, render, device_type: str) -> int:
    from dreamreel.core.engine.sd import memory_estimate

    return memory_estimate(render.width, render.height, xl=_is_xl(s), device_type=device_type,
                           guidance=s.guidance_scale)


ENTRY = EngineEntry(
    name=NAME,
    label="Stable Diffusion (AI, needs a model)",
    description="diffusers: text-to-image random starts, image-to-image warm starts with a strength.",
    settings_cls=SdSettings,
    load_fn=_load,
    identity_fn=_identity,
    key_params_fn=_key_params,
    missing_fn=_missing,
    needs_worker_process=True,  # a GPU step cannot be interrupted from another thread
    memory_fn=_memory,
    timing_steps=1,
    default_interpolation="rife",  # the reference pipeline: ~6 keyframes/s lifted to 60 fps by RIFE
    latent_walk=True,  # --interpolation latent: stable-diffusion-videos' noise/prompt walk
)
