"""Stable Diffusion models: presets, where a model is (folder, single file, hub id), downloads.

A model is named by `--sd-model PATH_OR_ID` (the `sd_model` engine setting), else
`$DREAMREEL_SD_MODEL`, else the engine's preset. Each resolves to one `SdSource`:

- a diffusers folder (has `model_index.json`): loaded with `from_pretrained`;
- a single `.safetensors` checkpoint: loaded with `from_single_file` (diffusers needs the
  model family's configs: from the hub cache, or `--set sd_config=FOLDER`);
- a preset name (`sd-turbo`, `sdxl-turbo`, `sd15`): its folder in the models dir, fetched by
  `dreamreel models download NAME`;
- a hub id `owner/repo`: its snapshot in the Hugging Face cache, fetched by
  `dreamreel models download owner/repo`.

Downloads take only what loading needs (configs, tokenizer, fp16 safetensors; no safety
checker, no fp32 or .bin duplicates) through `huggingface_hub.snapshot_download`, which resumes
and shows progress. A `.ckpt` (a pickle, may run code) is refused: convert it to safetensors.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from dreamreel.core.errors import DreamreelError, ModelNotFoundError

ENV_SD_MODEL = "DREAMREEL_SD_MODEL"
NON_COMMERCIAL = "Stability AI Non-Commercial Research Community License (non-commercial use only)"


@dataclass(frozen=True)
class SdPreset:
    """A named model: where it comes from, its licence, and the recipe it is meant for."""

    name: str
    repo: str
    description: str
    licence: str
    xl: bool = False
    size: int = 512  # native picture size
    steps_first: int = 1  # text-to-image steps of a random start
    steps: int = 2  # image-to-image steps of a warm start ...
    schedule_steps: int = 4  # ... out of a schedule this long (strength = steps / schedule_steps)
    guidance: float = 0.0
    lora: str = ""  # a LoRA preset fused in by default
    approx_mb: int | None = None
    files: tuple[str, ...] = ()  # allow_patterns for snapshot_download; () = the standard set


SD_FILES = ("model_index.json", "scheduler/*", "tokenizer/*", "tokenizer_2/*", "*/config.json",
            "unet/diffusion_pytorch_model.fp16.safetensors", "vae/diffusion_pytorch_model.fp16.safetensors",
            "text_encoder/model.fp16.safetensors", "text_encoder_2/model.fp16.safetensors")

SD_PRESETS: dict[str, SdPreset] = {p.name: p for p in (
    SdPreset("sd-turbo", "stabilityai/sd-turbo", "SD-Turbo (SD 2.1 distilled), 1-4 steps at 512x512, no guidance",
             NON_COMMERCIAL, approx_mb=2600),
    SdPreset("sdxl-turbo", "stabilityai/sdxl-turbo", "SDXL-Turbo, 1-4 steps at 512x512, no guidance",
             NON_COMMERCIAL, xl=True, approx_mb=7000),
    SdPreset("sd15", "stable-diffusion-v1-5/stable-diffusion-v1-5", "Stable Diffusion 1.5, 25 steps, guidance 7.5",
             "CreativeML OpenRAIL-M", steps_first=25, steps=12, schedule_steps=25, guidance=7.5, approx_mb=2000),
    SdPreset("sd15-lcm", "stable-diffusion-v1-5/stable-diffusion-v1-5",
             "Stable Diffusion 1.5 with the LCM-LoRA fused in: 4 steps, guidance 1",
             "CreativeML OpenRAIL-M (LoRA: OpenRAIL++)", steps_first=4, steps=2, schedule_steps=4, guidance=1.0,
             lora="lcm-lora-sdv1-5", approx_mb=2000),
)}
LORA_PRESETS = {
    "lcm-lora-sdv1-5": ("latent-consistency/lcm-lora-sdv1-5", "pytorch_lora_weights.safetensors",
                        "OpenRAIL++"),
}
DEFAULT_SD_MODEL = "sd-turbo"


@dataclass(frozen=True)
class SdSource:
    """Where a model's files are: `kind` folder|file, `path`, and the name the identity uses."""

    kind: str
    path: Path
    label: str
    preset: SdPreset | None = None


def preset_folder(name: str) -> Path:
    from dreamreel.core.engine.models import models_dir

    return models_dir() / name


def _folder_of(name: str) -> Path:
    """A preset's folder (presets sharing a repo share the download)."""
    return preset_folder(SD_PRESETS[name].repo.replace("/", "--"))


def is_hub_id(text: str) -> bool:
    parts = text.split("/")
    return len(parts) == 2 and all(parts) and not text.startswith((".", "/", "~")) and not Path(text).exists()


def resolve_sd_model(name: str | None = None) -> SdSource:
    """The model named by the setting/flag, `$DREAMREEL_SD_MODEL` or the default preset
    (that order); ModelNotFoundError says where it looked and what fetches it."""
    origin = "--sd-model" if name else None
    if not name and os.environ.get(ENV_SD_MODEL):
        name, origin = os.environ[ENV_SD_MODEL], f"${ENV_SD_MODEL}"
    name = name or DEFAULT_SD_MODEL
    origin = origin or "default model"
    if name in SD_PRESETS:
        folder = _folder_of(name)
        if not (folder / "model_index.json").is_file():
            raise ModelNotFoundError(f"Stable Diffusion model {name} not found in {folder} ({origin}); "
                                     f"run `dreamreel models download {name}` (licence: {SD_PRESETS[name].licence})")
        return SdSource("folder", folder, name, SD_PRESETS[name])
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model_index.json").is_file():
            raise ModelNotFoundError(f"{path}: not a diffusers model folder (no model_index.json) ({origin})")
        return SdSource("folder", path, path.name)
    if path.is_file():
        if path.suffix.lower() != ".safetensors":
            raise DreamreelError(f"{path}: only .safetensors single files load (a {path.suffix} checkpoint is a "
                                 "pickle that can run code); convert it, or use a diffusers folder")
        return SdSource("file", path, path.name)
    if is_hub_id(name):
        return SdSource("folder", hub_snapshot(name), name)
    raise ModelNotFoundError(f"Stable Diffusion model {name}: no such folder, file, preset ({', '.join(SD_PRESETS)}) "
                             f"or hub id ({origin}); check --sd-model / ${ENV_SD_MODEL}")


def hub_snapshot(repo: str) -> Path:
    """The cached snapshot folder of hub model `repo` (no network)."""
    from huggingface_hub import snapshot_download

    try:
        path = Path(snapshot_download(repo, allow_patterns=list(SD_FILES), local_files_only=True))
    except Exception:  # noqa: BLE001 - LocalEntryNotFoundError and friends
        path = None
    if path is None or not (path / "model_index.json").is_file():
        raise ModelNotFoundError(f"Stable Diffusion model {repo} is not in the Hugging Face cache; "
                                 f"run `dreamreel models download {repo}`")
    return path


def resolve_lora(name: str) -> Path | None:
    """A LoRA preset's file in the models dir, or a path; None for ''."""
    if not name:
        return None
    if name in LORA_PRESETS:
        path = preset_folder(name) / LORA_PRESETS[name][1]
        if not path.is_file():
            raise ModelNotFoundError(f"LoRA {name} not found at {path}; run `dreamreel models download {name}`")
        return path
    path = Path(name).expanduser()
    if not path.is_file() or path.suffix.lower() != ".safetensors":
        raise ModelNotFoundError(f"LoRA {name}: not a preset ({', '.join(LORA_PRESETS)}) nor a .safetensors file")
    return path


def weight_files(source: SdSource, variant: str | None, config: str = "") -> dict[str, Path]:
    """{role: file} of what loading reads and shapes pictures (weights, scheduler config; for a
    single file, the scheduler config of its `config` folder when one is set)."""
    if source.kind == "file":
        out = {"checkpoint": source.path}
        scheduler = Path(config).expanduser() / "scheduler" / "scheduler_config.json" if config else None
        if scheduler is not None and scheduler.is_file():
            out["scheduler"] = scheduler
        return out
    out = {}
    index = json.loads((source.path / "model_index.json").read_text())
    for role in sorted(k for k in index if not k.startswith("_")):
        folder = source.path / role
        if role == "scheduler" and (folder / "scheduler_config.json").is_file():
            out[role] = folder / "scheduler_config.json"
            continue
        files = sorted(folder.glob("*.safetensors")) if folder.is_dir() else []
        chosen = [f for f in files if (variant and f.name.endswith(f".{variant}.safetensors"))] or \
                 [f for f in files if f.name.count(".") == 1]
        for i, f in enumerate(chosen):
            out[f"{role}{'' if i == 0 else i}"] = f
    return out


def model_variant(source: SdSource) -> str | None:
    """"fp16" when the folder holds fp16 files (what our downloads fetch), else None."""
    if source.kind == "folder" and any(source.path.glob("unet/*.fp16.safetensors")):
        return "fp16"
    return None


def download_sd(name: str, *, log=print) -> Path:
    """Fetch a preset, LoRA preset or hub id (only the files loading needs); its folder."""
    from huggingface_hub import hf_hub_download, snapshot_download

    if name in LORA_PRESETS:
        repo, filename, _ = LORA_PRESETS[name]
        return Path(hf_hub_download(repo, filename, local_dir=preset_folder(name)))
    if name in SD_PRESETS:
        p = SD_PRESETS[name]
        log(f"{name}: licence {p.licence}")
        folder = Path(snapshot_download(p.repo, allow_patterns=list(p.files or SD_FILES), local_dir=_folder_of(name)))
        if p.lora:
            download_sd(p.lora, log=log)
        return folder
    if is_hub_id(name):
        return Path(snapshot_download(name, allow_patterns=list(SD_FILES)))
    raise ModelNotFoundError(f"{name}: not a Stable Diffusion preset ({', '.join(SD_PRESETS)}), LoRA preset "
                             f"({', '.join(LORA_PRESETS)}) or hub id owner/repo")


def sd_present(name: str) -> bool:
    """Whether a preset or LoRA preset is on disk."""
    try:
        return resolve_lora(name) is not None if name in LORA_PRESETS else bool(resolve_sd_model(name))
    except DreamreelError:
        return False


def resolve_model_and_lora(sd_model: str, lora: str) -> tuple[SdSource, str, Path | None]:
    """(source, LoRA name, LoRA file) of the settings: the preset's own LoRA unless one is named."""
    source = resolve_sd_model(sd_model or None)
    lora = lora or (source.preset.lora if source.preset is not None else "")
    return source, lora, resolve_lora(lora)


def list_rows() -> list[tuple[str, bool, str, str]]:
    """(name, present, size, description with licence) of the SD presets, LoRAs and RIFE, for
    `dreamreel models list`."""
    from dreamreel.core.engine.rife import RIFE_LICENCE, resolve_rife_weights

    rows = []
    for p in SD_PRESETS.values():
        default = " (default)" if p.name == DEFAULT_SD_MODEL else ""
        rows.append((p.name, sd_present(p.name), f"~{p.approx_mb} MB" if p.approx_mb else "",
                     f"{p.description}{default}; licence: {p.licence}"))
    for name, (_, _, licence) in LORA_PRESETS.items():
        rows.append((name, sd_present(name), "~130 MB", f"LCM-LoRA for SD 1.5 (4-step sampling); licence: {licence}"))
    try:
        rife = bool(resolve_rife_weights())
    except DreamreelError:
        rife = False
    rows.append(("rife", rife, "~25 MB", f"RIFE 4.25 frame interpolation (--interpolation rife); licence: {RIFE_LICENCE}"))
    return rows


def is_download_name(name: str) -> bool:
    """Whether `dreamreel models download NAME` means one of ours (not a VQGAN preset)."""
    return name == "rife" or name in SD_PRESETS or name in LORA_PRESETS or is_hub_id(name)
