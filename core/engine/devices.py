"""Device choice, mixed precision and a memory estimate for the VQGAN+CLIP engine."""

from __future__ import annotations

import contextlib
import functools

import torch

from dreamreel.core.errors import DreamreelError


def pick_device(name: str | None = "auto") -> torch.device:
    """`auto` -> cuda, then mps, then cpu. Asking for a device that is absent is an error."""
    name = (name or "auto").lower()
    has_mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise DreamreelError("--device cuda: no CUDA GPU is visible to torch; use --device auto or cpu")
    if name == "mps" and not has_mps:
        raise DreamreelError("--device mps: Apple Metal is not available; use --device auto or cpu")
    if name not in ("cpu", "cuda", "mps"):
        raise DreamreelError(f"--device {name}: not one of auto, cpu, cuda, mps")
    return torch.device(name)


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """bf16 where the GPU supports it, else fp16; None (full fp32) on the CPU, where autocast
    only slows the optimisation down and breaks bit-for-bit reproducibility."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return None


def autocast_context(device: torch.device, enabled: "bool | torch.dtype" = True):
    """A zero-argument factory of autocast contexts for `device` (nullcontext on the CPU);
    `enabled` may name the dtype (bench/gpu_check.py compares fp16 and bf16 with fp32)."""
    dtype = enabled if isinstance(enabled, torch.dtype) else autocast_dtype(device) if enabled else None
    if dtype is None:
        return contextlib.nullcontext
    return functools.partial(torch.autocast, device_type=device.type, dtype=dtype)


def use_channels_last(device: torch.device) -> bool:
    """NHWC convolutions: faster with cuDNN under autocast; on the CPU (oneDNN) the VQGAN
    decoder's forward and backward measured only ~1.09x faster, kept because it costs nothing."""
    return device.type in ("cuda", "cpu")


def cpu_has_amx() -> bool:
    """Whether this CPU has AMX tiles (fast bf16 matmuls); checked at run time through torch."""
    return bool(getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)())


def estimate_memory(width: int, height: int, *, cutn: int = 32, cut_size: int = 224,
                    vqgan_ch: int = 128, ch_mult=(1, 1, 2, 2, 4), num_res_blocks: int = 2,
                    clip_width: int = 768, clip_layers: int = 12, patch: int = 32,
                    bytes_per_value: int = 4, weights_bytes: int = 1000 * 2**20) -> int:
    """Rough peak bytes of one optimisation step (weights + activations kept for backward).

    Decoder: per resolution level, ~(3*num_res_blocks + 4) feature maps of ch*mult channels;
    CLIP ViT: per layer ~12 activations of (tokens, width) per cutout; weights ~1 GB for the
    default VQGAN + ViT-B-32 in fp32. A planning figure, not a promise (bench/engine_bench.py
    prints measured peaks next to it).
    """
    pixels = width * height
    levels = len(ch_mult)
    dec = 0
    for i, mult in enumerate(ch_mult):
        scale = 4 ** (levels - 1 - i)  # top level full size, each lower one a quarter
        dec += (3 * num_res_blocks + 4) * vqgan_ch * mult * pixels // scale
    tokens = (cut_size // patch) ** 2 + 1
    vit = cutn * (clip_layers * 12 * tokens * clip_width + 6 * 3 * cut_size * cut_size)
    return int((dec + vit) * bytes_per_value + weights_bytes)


def format_bytes(n: int) -> str:
    """1536 -> '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"
