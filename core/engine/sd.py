"""`SdEngine`: the `Engine` contract implemented with Stable Diffusion (diffusers).

Latents are the VAE's (1, 4, H/8, W/8), scaled by the VAE's scaling factor, CPU float32 at
the boundary like every engine's.

- A random start is text-to-image from `random_latent(spec)`: noise from a CPU
  `torch.Generator` seeded with the keyframe's seed, `spec.iterations` denoising steps.
- A warm start is image-to-image from the previous keyframe's latent (no VAE round trip) with
  a **strength**: `spec.iterations` steps out of a `schedule_steps` schedule, so strength =
  iterations / schedule_steps. The music's effort drive scales iterations, i.e. the strength:
  loud passages change the picture more, quiet ones keep it (0 steps keep it exactly).
- Prompts: the weighted positive prompts' text embeddings blended by weight; negative-weight
  prompts (style negatives) blended the same way into the negative embedding, used when
  `guidance_scale` > 1 (Turbo models run without guidance, so without negatives).
- In-betweens: RIFE on the decoded keyframes by default (the registry entry's
  `default_interpolation`); `--interpolation latent` is stable-diffusion-videos' walk,
  `latent_walk`: each in-between denoised from the slerp of its keyframes' start noise with the
  lerp of their prompt embeddings, the way the later keyframe was made (cached by key).

Devices: fp16 on CUDA, bf16 on CPUs with AMX tiles, fp32 elsewhere (`sd_dtype`); attention
slicing and VAE tiling switch on when `plan_memory` says the picture would not fit. On the CPU
the same inputs give the same latent bit for bit.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
from pathlib import Path

import numpy as np
import torch

from dreamreel.core.engine.base import KeyframeSpec, StepCallback
from dreamreel.core.engine.sd_models import SdSource, model_variant, resolve_model_and_lora, weight_files
from dreamreel.core.errors import Cancelled, DreamreelError, ModelNotFoundError

SD_VERSION = "1"  # bump when a change alters SD pictures for identical inputs


# --- devices and memory -----------------------------------------------------------------------


@functools.cache
def cpu_has_amx() -> bool:
    """Whether this CPU has AMX tiles (bf16 matrix units: bf16 is then faster than fp32)."""
    probe = getattr(getattr(torch._C, "_cpu", None), "_is_amx_tile_supported", None)
    if probe is not None:
        try:
            return bool(probe())
        except Exception:  # noqa: BLE001 - a probe that fails means no
            return False
    try:
        return "amx_bf16" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def sd_dtype(device: torch.device) -> torch.dtype:
    """fp16 on CUDA and MPS, bf16 on an AMX CPU, else fp32."""
    if device.type in ("cuda", "mps"):
        return torch.float16
    return torch.bfloat16 if cpu_has_amx() else torch.float32


def free_memory(device: torch.device) -> int:
    """Bytes free for tensors on `device` (CUDA: the driver's figure; CPU: available RAM)."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def estimate_activations(width: int, height: int, *, bytes_per_value: int, batch: int = 1,
                         heads: int = 8, vae_channels: int = 128) -> tuple[int, int]:
    """(attention, vae_decode) peak bytes of one SD step at a size: the UNet's largest
    self-attention score matrix (tokens² per head, at 1/8 scale) and the VAE decoder's
    full-resolution feature maps (~6 maps of its top width). Planning figures."""
    tokens = math.ceil(width / 8) * math.ceil(height / 8)
    attention = batch * heads * tokens * tokens * bytes_per_value
    vae = 6 * vae_channels * width * height * bytes_per_value
    return attention, vae


def plan_memory(width: int, height: int, device: torch.device, dtype: torch.dtype, *, batch: int = 1,
                weights_bytes: int = 0, free: int | None = None) -> tuple[bool, bool]:
    """(attention_slicing, vae_tiling): slice attention when its score matrix would take over
    a quarter of what is left after the weights; tile the VAE when its decode would, or above
    1024x1024 (where tiling is what diffusers recommends)."""
    free = free_memory(device) if free is None else free
    left = max(free - weights_bytes, 1)
    attention, vae = estimate_activations(width, height, bytes_per_value=torch.finfo(dtype).bits // 8, batch=batch)
    return attention > left // 4, vae > left // 4 or width * height > 1024 * 1024


def memory_estimate(width: int, height: int, *, xl: bool, device_type: str, guidance: float) -> int:
    """Rough peak bytes of a keyframe: weights (SD 2.1 ~1.3 G params, SDXL ~3.5 G) + activations."""
    bytes_per_value = 2 if device_type != "cpu" or cpu_has_amx() else 4
    params = 3.5e9 if xl else 1.3e9
    attention, vae = estimate_activations(width, height, bytes_per_value=bytes_per_value,
                                          batch=2 if guidance > 1 else 1)
    return int(params * bytes_per_value + attention + vae)


# --- loading ----------------------------------------------------------------------------------


@contextlib.contextmanager
def quiet_loading():
    """While local model files load: no diffusers/transformers progress bars ("Loading pipeline
    components", "Loading weights"), their warnings below errors (diffusers warns of fp32
    modules when the list is empty, on every no-op cast) and no torch_dtype FutureWarning (the
    keyword older diffusers need). Restored afterwards."""
    import warnings

    from diffusers.utils import logging as dl
    from transformers.utils import logging as tl

    state = [(m, m.is_progress_bar_enabled(), m.get_verbosity()) for m in (dl, tl)]
    for m, _, _ in state:
        m.disable_progress_bar()
        m.set_verbosity_error()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*torch_dtype.*", category=FutureWarning)
            yield
    finally:
        for m, bars, level in state:
            m.enable_progress_bar() if bars else m.disable_progress_bar()
            m.set_verbosity(level)


def load_pipeline(source: SdSource, dtype: torch.dtype, *, config: str | None = None):
    """A StableDiffusion(XL)Pipeline from a folder (`from_pretrained`) or a single file
    (`from_single_file`, configs from `config` or the hub cache); no safety checker (the
    user's own model, offline). DreamreelError in one line when diffusers cannot read it."""
    from diffusers import DiffusionPipeline, StableDiffusionPipeline, StableDiffusionXLPipeline
    from diffusers.loaders.single_file_utils import SingleFileComponentError  # a plain Exception

    offline = os.environ.get("HF_HUB_OFFLINE") == "1"
    try:
        with quiet_loading():  # local files: no progress bars or library chatter on stderr
            if source.kind == "folder":
                pipe = DiffusionPipeline.from_pretrained(
                    source.path, torch_dtype=dtype, variant=model_variant(source), safety_checker=None,
                    requires_safety_checker=False, local_files_only=True, use_safetensors=True)
            else:
                cls = StableDiffusionXLPipeline if "xl" in source.path.name.lower() else StableDiffusionPipeline
                kwargs = {"config": config} if config else {}
                pipe = cls.from_single_file(str(source.path), torch_dtype=dtype, local_files_only=offline, **kwargs)
    except (OSError, ValueError, KeyError, RuntimeError, SingleFileComponentError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        hint = ("; a single file needs its model family's configs: set sd_config to a diffusers folder"
                if source.kind == "file" else "")
        raise DreamreelError(f"{source.path}: diffusers cannot load this model ({first}){hint}") from None
    if not isinstance(pipe, (StableDiffusionPipeline, StableDiffusionXLPipeline)):
        raise DreamreelError(f"{source.path}: a {type(pipe).__name__}, not a Stable Diffusion (XL) pipeline")
    return pipe


def fuse_lora(pipe, lora: Path) -> None:
    """Fuse a LoRA into the UNet (LCM-LoRA: also switch to the LCM scheduler)."""
    from diffusers import LCMScheduler

    try:
        pipe.load_lora_weights(str(lora))
        pipe.fuse_lora()
        pipe.unload_lora_weights()
    except (ImportError, ValueError) as e:
        raise DreamreelError(f"{lora}: cannot apply the LoRA ({str(e).splitlines()[0]}); "
                             "LoRAs need the `peft` package (pip install peft)") from None
    if "lcm" in lora.as_posix().lower():
        pipe.scheduler = LCMScheduler.from_config(pipe.scheduler.config)


class SdEngine:
    """Pictures from Stable Diffusion. Build with `from_settings` or from a loaded pipeline."""

    name = "sd"

    def __init__(self, pipe, *, device: torch.device | str = "cpu", dtype: torch.dtype | None = None,
                 model_id: str = "sd", weight_files: dict[str, Path] | None = None,
                 guidance_scale: float = 0.0, schedule_steps: int = 4, lora_id: str = "",
                 scheduler: str | None = None, free_bytes: int | None = None):
        from diffusers import StableDiffusionImg2ImgPipeline, StableDiffusionXLImg2ImgPipeline, StableDiffusionXLPipeline

        self.device = torch.device(device)
        self.dtype = dtype or sd_dtype(self.device)
        self.xl = isinstance(pipe, StableDiffusionXLPipeline)
        pipe.to(self.device)
        if next(pipe.unet.parameters()).dtype != self.dtype:  # loaded with another torch_dtype
            pipe.to(dtype=self.dtype)
        pipe.set_progress_bar_config(disable=True)
        self.pipe = pipe
        with quiet_loading():  # from_pipe casts to the dtype it has: a spurious fp32-modules warning
            self.img2img = (StableDiffusionXLImg2ImgPipeline if self.xl else StableDiffusionImg2ImgPipeline).from_pipe(pipe)
        self.img2img.set_progress_bar_config(disable=True)
        self.vae = pipe.vae
        # fp16 VAEs that overflow (SDXL's) ask to decode in fp32.
        self.vae_dtype = torch.float32 if getattr(self.vae.config, "force_upcast", False) and \
            self.dtype == torch.float16 else self.dtype
        if self.vae_dtype != self.dtype:
            self.vae.to(self.vae_dtype)
        self.factor = 2 ** (len(self.vae.config.block_out_channels) - 1)
        self.channels = int(pipe.unet.config.in_channels)
        self.scaling = float(self.vae.config.scaling_factor)
        self.model_id, self.weight_files, self.lora_id = model_id, dict(weight_files or {}), lora_id
        self.guidance_scale, self.schedule_steps = float(guidance_scale), max(1, int(schedule_steps))
        self.free_bytes = free_bytes
        self.scheduler = scheduler or type(pipe.scheduler).__name__
        self._weights_bytes = sum(p.numel() * p.element_size() for p in pipe.unet.parameters())
        self._planned: tuple[int, int] | None = None
        self._text_cache: dict[str, tuple[torch.Tensor, torch.Tensor | None]] = {}
        self._identity: dict[str, str] | None = None

    @classmethod
    def from_settings(cls, s, render=None, device=None) -> "SdEngine":
        """Resolve (flag/setting > $DREAMREEL_SD_MODEL > preset) and load; ModelNotFoundError
        with the fetch command when absent. `s` is the engine's settings (see sd_entry)."""
        from dreamreel.core.engine.devices import pick_device

        dev = pick_device(device or (render.device if render is not None else "auto"))
        source, lora_id, lora = resolve_model_and_lora(s.sd_model, s.lora)
        dtype = sd_dtype(dev)
        pipe = load_pipeline(source, dtype, config=s.sd_config or None)
        if lora is not None:
            fuse_lora(pipe, lora)
        files = weight_files(source, model_variant(source), s.sd_config)
        if lora is not None:
            files["lora"] = lora
        return cls(pipe, device=dev, dtype=dtype, model_id=source.label, weight_files=files,
                   guidance_scale=s.guidance_scale, schedule_steps=s.schedule_steps, lora_id=lora_id,
                   scheduler=scheduler_name(source, lora, s.sd_config))

    # --- Engine contract --------------------------------------------------------------------

    def identity(self) -> dict[str, str]:
        """Model name, sha256 of each weight file and the scheduler config, LoRA, device type
        and dtype (both change latents), scheduler class, SD_VERSION."""
        if self._identity is None:
            self._identity = sd_identity(self.model_id, self.weight_files, self.device.type, self.dtype,
                                         self.scheduler, self.lora_id, self.guidance_scale, self.schedule_steps)
        return dict(self._identity)

    def latent_shape(self, width: int, height: int) -> tuple[int, int, int, int]:
        f = self.factor
        return (1, self.channels, max(1, math.ceil(height / f)), max(1, math.ceil(width / f)))

    def output_size(self, width: int, height: int) -> tuple[int, int]:
        _, _, h, w = self.latent_shape(width, height)
        return w * self.factor, h * self.factor

    def random_latent(self, spec: KeyframeSpec) -> torch.Tensor:
        """Seeded unit noise (1, 4, h, w), CPU float32 (scaled by the scheduler at use)."""
        gen = torch.Generator().manual_seed(spec.seed)
        return torch.randn(self.latent_shape(spec.width, spec.height), generator=gen, dtype=torch.float32)

    def keyframe(self, spec: KeyframeSpec, init: torch.Tensor, callback: StepCallback | None = None) -> torch.Tensor:
        """Text-to-image from noise `init` (random start) or image-to-image from the previous
        keyframe's latent `init` (warm start, strength = iterations / schedule_steps)."""
        shape = self.latent_shape(spec.width, spec.height)
        if tuple(init.shape) != shape:
            raise DreamreelError(f"keyframe init latent has shape {tuple(init.shape)}, expected {shape} "
                                 f"for {spec.width}x{spec.height}")
        random_start = spec.init_key is None
        steps = int(spec.iterations)
        if steps <= 0:
            if random_start:
                raise DreamreelError("sd: a random-start keyframe needs at least 1 step (iterations_first)")
            return init.detach().clone().float()
        self._plan_memory(*self.output_size(spec.width, spec.height))
        kwargs = self._prompt_kwargs(spec)
        done = {"cancelled": False}

        def on_step(pipe, i, t, tensors):
            if callback is not None and callback(i + 1, steps, 0.0):
                done["cancelled"] = True
                pipe._interrupt = True
            return tensors

        gen = torch.Generator().manual_seed(spec.seed)
        common = dict(guidance_scale=self.guidance_scale, generator=gen, output_type="latent",
                      callback_on_step_end=on_step, **kwargs)
        with torch.inference_mode():
            if random_start:
                out = self.pipe(latents=init.to(self.device, self.dtype), num_inference_steps=steps,
                                height=shape[2] * self.factor, width=shape[3] * self.factor, **common)
            else:
                total = max(self.schedule_steps, steps)
                # (steps + 0.5) / total: diffusers runs int(total * strength) steps, exactly `steps`.
                strength = 1.0 if steps >= total else (steps + 0.5) / total
                out = self.img2img(image=init.to(self.device, self.dtype), strength=strength,
                                   num_inference_steps=total, **common)
        if done["cancelled"]:
            raise Cancelled(f"keyframe cancelled after step {steps}")
        return out.images.detach().to("cpu", torch.float32)

    @torch.inference_mode()
    def decode(self, z: torch.Tensor, batch: int = 4) -> np.ndarray:
        """Latents (N, 4, h, w) -> uint8 (N, H, W, 3) through the VAE, in batches."""
        if z.ndim != 4 or z.shape[1] != self.channels:
            raise DreamreelError(f"decode: latents must be (N, {self.channels}, h, w), got {tuple(z.shape)}")
        self._plan_memory(z.shape[3] * self.factor, z.shape[2] * self.factor)
        out = []
        for chunk in z.split(batch):
            x = self.vae.decode(chunk.to(self.device, self.vae_dtype) / self.scaling).sample
            x = x.float().add(1).mul(127.5).clamp(0, 255).round().to(torch.uint8)
            out.append(x.permute(0, 2, 3, 1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, 0, 0, 3), np.uint8)

    # --- latent walk: in-betweens denoised (stable-diffusion-videos' walk) ------------------------

    walk_version = "1"  # bump when a change alters walked in-betweens for identical keyframes

    def start_noise(self, spec: KeyframeSpec) -> torch.Tensor:
        """The noise keyframe `spec` was denoised from, CPU float32: a random start's
        `random_latent`; a warm start's, the noise image-to-image drew from its seed."""
        if spec.init_key is None:
            return self.random_latent(spec)
        from diffusers.utils.torch_utils import randn_tensor

        gen = torch.Generator().manual_seed(spec.seed)
        return randn_tensor(self.latent_shape(spec.width, spec.height), generator=gen, device=self.device,
                            dtype=self.dtype).to("cpu", torch.float32)

    def latent_walk(self, a: KeyframeSpec, b: KeyframeSpec, init_b: torch.Tensor | None, t: float) -> torch.Tensor:
        """The picture at t in [0, 1] from keyframe `a` to keyframe `b`, denoised from
        slerp(noise of a, noise of b, t) with lerp(prompt embeddings of a, of b, t), the way b was
        made: text-to-image with b's steps for a random-start b; image-to-image from b's init
        latent `init_b` (the keyframe before) for a warm start, with round(t x b's steps) of its
        steps, so t -> 0 gives the init exactly and t = 1 gives b bit for bit (the strength
        walks with t). Deterministic: b's seed drives the generator."""
        from dreamreel.core.engine.interpolate import slerp

        t = float(t)
        if not 0.0 <= t <= 1.0:
            raise DreamreelError(f"latent walk: t={t} is outside [0, 1]")
        if (a.width, a.height) != (b.width, b.height):
            raise DreamreelError("latent walk: the two keyframes have different sizes")
        shape = self.latent_shape(b.width, b.height)
        steps = int(b.iterations)
        if b.init_key is not None:
            if init_b is None or tuple(init_b.shape) != shape:
                raise DreamreelError(f"latent walk: keyframe {b.init_key[:12]}'s latent is needed (shape {shape})")
            steps = round(t * steps)
            if steps <= 0:
                return init_b.detach().clone().float()
        self._plan_memory(*self.output_size(b.width, b.height))
        noise = slerp(self.start_noise(a), self.start_noise(b), t)
        ka, kb = self._prompt_kwargs(a), self._prompt_kwargs(b)
        kwargs = {name: torch.lerp(ka[name], kb[name], t) for name in kb}  # exact at t = 0 and 1
        gen = torch.Generator().manual_seed(b.seed)
        common = dict(guidance_scale=self.guidance_scale, generator=gen, output_type="latent", **kwargs)
        with torch.inference_mode():
            if b.init_key is None:
                out = self.pipe(latents=noise.to(self.device, self.dtype), num_inference_steps=max(1, steps),
                                height=shape[2] * self.factor, width=shape[3] * self.factor, **common)
            else:
                total = max(self.schedule_steps, int(b.iterations))
                strength = 1.0 if steps >= total else (steps + 0.5) / total  # as `keyframe`
                out = self._img2img_from_noise(init_b, noise, strength, total, common)
        return out.images.detach().to("cpu", torch.float32)

    def _img2img_from_noise(self, init: torch.Tensor, noise: torch.Tensor, strength: float, total: int, common: dict):
        """Image-to-image as `keyframe` runs it, with `noise` in place of the seeded draw (which
        is still made, so a scheduler that draws later, LCM's, sees the same generator state)."""
        from diffusers.utils.torch_utils import randn_tensor

        pipe = self.img2img

        def prepare_latents(image, timestep, batch_size, num_images_per_prompt, dtype, device, generator=None,
                            *args, **kwargs):
            image = image.to(device=device, dtype=dtype)
            randn_tensor(image.shape, generator=generator, device=device, dtype=dtype)
            return pipe.scheduler.add_noise(image, noise.to(device=device, dtype=dtype), timestep)

        pipe.prepare_latents = prepare_latents  # this call only
        try:
            return pipe(image=init.to(self.device, self.dtype), strength=strength, num_inference_steps=total,
                        **common)
        finally:
            del pipe.prepare_latents

    # --- helpers --------------------------------------------------------------------------------

    def _plan_memory(self, width: int, height: int) -> None:
        if self._planned == (width, height):
            return
        slicing, tiling = plan_memory(width, height, self.device, self.dtype, batch=2 if self.guidance_scale > 1 else 1,
                                      weights_bytes=self._weights_bytes, free=self.free_bytes)
        for pipe in (self.pipe, self.img2img):
            pipe.enable_attention_slicing() if slicing else pipe.disable_attention_slicing()
        self.vae.enable_tiling() if tiling else self.vae.disable_tiling()
        self.attention_slicing, self.vae_tiling = slicing, tiling
        self._planned = (width, height)

    def text_embeds(self, text: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(embeds (1, 77, D), pooled (1, D) for SDXL else None) of one text, encoded once."""
        if text not in self._text_cache:
            with torch.inference_mode():
                if self.xl:
                    e, _, pooled, _ = self.pipe.encode_prompt(text, device=self.device, num_images_per_prompt=1,
                                                              do_classifier_free_guidance=False)
                else:
                    e, _ = self.pipe.encode_prompt(text, self.device, 1, False)
                    pooled = None
            self._text_cache[text] = (e, pooled)
        return self._text_cache[text]

    def _blend(self, prompts) -> tuple[torch.Tensor, torch.Tensor | None]:
        total = sum(abs(p.weight) for p in prompts)
        embeds = [self.text_embeds(p.text) for p in prompts]
        e = sum(abs(p.weight) / total * emb for p, (emb, _) in zip(prompts, embeds))
        pooled = sum(abs(p.weight) / total * pl for p, (_, pl) in zip(prompts, embeds)) if self.xl else None
        return e, pooled

    def _prompt_kwargs(self, spec: KeyframeSpec) -> dict:
        positive = [p for p in spec.prompts if p.weight > 0]
        negative = [p for p in spec.prompts if p.weight < 0]
        if not positive:
            raise DreamreelError("keyframe has no positive prompts; give the block some text")
        e, pooled = self._blend(positive)
        kw = {"prompt_embeds": e}
        if self.xl:
            kw["pooled_prompt_embeds"] = pooled
        if self.guidance_scale > 1:
            ne, npooled = self._blend(negative) if negative else self.text_embeds("")
            kw["negative_prompt_embeds"] = ne
            if self.xl:
                kw["negative_pooled_prompt_embeds"] = npooled
        return kw


def sd_identity(model_id: str, files: dict[str, Path], device_type: str, dtype: torch.dtype | str,
                scheduler: str, lora: str, guidance: float, schedule_steps: int) -> dict[str, str]:
    """The cache identity (one formula for the loaded engine and the registry entry): also the
    guidance and schedule length, which shape every keyframe."""
    from dreamreel.core.engine.base import ENGINE_VERSION
    from dreamreel.core.engine.models import cached_file_sha256

    ident = {"engine": "sd", "engine_version": ENGINE_VERSION, "sd_version": SD_VERSION, "model": model_id,
             "lora": lora or "none", "scheduler": scheduler, "device": device_type,
             "dtype": str(dtype).removeprefix("torch."), "guidance": f"{float(guidance):g}",
             "schedule_steps": str(int(schedule_steps))}
    for role, path in sorted(files.items()):
        ident[f"{role}_sha256"] = cached_file_sha256(path)
    return ident


def scheduler_name(source: SdSource, lora: Path | None, config: str = "") -> str:
    """The scheduler class a loaded pipeline will use, read from the config (no loading); a
    single file's from its configs' folder (`config`, sd_config) when that is a folder."""
    import json

    if lora is not None and "lcm" in lora.as_posix().lower():
        return "LCMScheduler"
    if source.kind == "folder":
        cfg = source.path / "scheduler" / "scheduler_config.json"
    elif config and (Path(config).expanduser() / "scheduler" / "scheduler_config.json").is_file():
        cfg = Path(config).expanduser() / "scheduler" / "scheduler_config.json"
    else:
        return "single-file"  # configs from a hub id or the hub cache, read when it loads
    try:
        return json.loads(cfg.read_text()).get("_class_name", "?")
    except (OSError, ValueError):
        raise ModelNotFoundError(f"{cfg}: missing or unreadable scheduler config") from None
