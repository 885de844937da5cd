"""`VqganClipEngine`: the `Engine` contract implemented with VQGAN+CLIP ("z+quantize")."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from dreamreel.core.engine.base import KeyframeSpec, StepCallback
from dreamreel.core.engine.clip_model import ClipBundle, load_clip, pack_attention
from dreamreel.core.engine.devices import autocast_context, autocast_dtype, pick_device, use_channels_last
from dreamreel.core.engine.optimise import Codebook, Guide, KeyframeOptimiser, vector_quantize
from dreamreel.core.engine.vqgan import VQGAN, load_vqgan
from dreamreel.core.engine.vqgan_clip_entry import AUGMENT, INIT_WEIGHT, NOISE_FAC, TV_WEIGHT
from dreamreel.core.errors import Cancelled, DreamreelError


class VqganClipEngine:
    """Pictures from VQGAN latents optimised against CLIP text embeddings.

    Build with `from_settings` (resolves and loads model files) or directly from loaded models.
    Latents cross the boundary as CPU float32 tensors (1, embed_dim, H/f, W/f).
    """

    name = "vqgan-clip"

    def __init__(self, vqgan: VQGAN, clip: ClipBundle, *, device: torch.device | str = "cpu",
                 vqgan_id: str = "vqgan", weight_files: dict[str, Path] | None = None,
                 tv_weight: float = TV_WEIGHT, init_weight: float = INIT_WEIGHT, noise_fac: float = NOISE_FAC,
                 augment: bool = AUGMENT, decode_batch: int | None = None, autocast: bool | torch.dtype = True):
        self.device = torch.device(device)
        self.vqgan = vqgan.to(self.device).eval().requires_grad_(False)
        clip.model.to(self.device).eval().requires_grad_(False)
        pack_attention(clip.model)
        if use_channels_last(self.device):
            self.vqgan.to(memory_format=torch.channels_last)
        self.clip = clip
        self.vqgan_id = vqgan_id
        self.weight_files = dict(weight_files or {})
        self.tv_weight, self.init_weight, self.noise_fac, self.augment = tv_weight, init_weight, noise_fac, augment
        # One latent at a time on the CPU: oneDNN's convolutions may round differently with the
        # batch size, and a frame must not depend on which frames share its batch (--from/--to).
        self.decode_batch = decode_batch or (1 if self.device.type == "cpu" else 4)
        self.autocast = autocast_context(self.device, autocast)
        self.autocast_dtype = (autocast if isinstance(autocast, torch.dtype)
                               else autocast_dtype(self.device) if autocast else None)
        self.codebook = Codebook.of(self.vqgan.codebook)
        self._text_cache: dict[str, torch.Tensor] = {}
        self._identity: dict[str, str] | None = None

    @classmethod
    def from_settings(cls, settings, *, device=None, **kwargs) -> "VqganClipEngine":
        """Resolve (settings' files > env vars > models dir) and load the models named by a
        `VqganClipSettings`; ModelNotFoundError, with the fetch command, when a file is absent."""
        from dreamreel.core.engine.vqgan_clip_entry import resolve_files  # noqa: PLC0415

        dev = pick_device(device or "auto")
        files = resolve_files(settings)  # fails fast, before the slow loads
        vqgan = load_vqgan(files.vqgan_config, files.vqgan_ckpt)
        clip_ckpt = files.clip_file if files.clip_is_ckpt else None
        clip, clip_file = load_clip(settings.clip_model, settings.clip_pretrained or None, ckpt=clip_ckpt,
                                    device="cpu")
        return cls(vqgan, clip, device=dev, vqgan_id=files.vqgan_id,
                   weight_files={"vqgan": files.vqgan_ckpt, "vqgan_config": files.vqgan_config, "clip": clip_file},
                   **kwargs)

    # --- Engine contract --------------------------------------------------------------------

    def identity(self) -> dict[str, str]:
        """See `vqgan_clip_entry.identity_of` (the registry computes the same without loading)."""
        if self._identity is None:
            from dreamreel.core.engine.vqgan_clip_entry import identity_of

            self._identity = identity_of(
                self.vqgan_id, self.clip.name, self.weight_files, self.device.type,
                str(self.autocast_dtype).removeprefix("torch.") if self.autocast_dtype else "off",
                tv_weight=self.tv_weight, init_weight=self.init_weight, noise_fac=self.noise_fac,
                augment=self.augment)
        return dict(self._identity)

    def latent_shape(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(1, embed_dim, h, w): one token per f x f pixels, rounded up."""
        f = self.vqgan.factor
        return (1, self.vqgan.embed_dim, max(1, math.ceil(height / f)), max(1, math.ceil(width / f)))

    def output_size(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) of decoded frames for a requested size: a multiple of the factor f."""
        _, _, h, w = self.latent_shape(width, height)
        return w * self.vqgan.factor, h * self.vqgan.factor

    def random_latent(self, spec: KeyframeSpec) -> torch.Tensor:
        """Seeded random codebook tokens -> their embeddings, (1, e, h, w) CPU float32."""
        _, e, h, w = self.latent_shape(spec.width, spec.height)
        gen = torch.Generator().manual_seed(spec.seed)
        tokens = torch.randint(self.codebook.weight.shape[0], (h * w,), generator=gen)
        z = self.codebook.weight.cpu()[tokens].view(1, h, w, e).permute(0, 3, 1, 2)
        return z.contiguous().float()

    def keyframe(self, spec: KeyframeSpec, init: torch.Tensor, callback: StepCallback | None = None) -> torch.Tensor:
        """Optimise `init` for `spec.iterations` Adam steps towards the prompts."""
        shape = self.latent_shape(spec.width, spec.height)
        if tuple(init.shape) != shape:
            raise DreamreelError(f"keyframe init latent has shape {tuple(init.shape)}, expected {shape} "
                                 f"for {spec.width}x{spec.height}")
        if not spec.prompts:
            raise DreamreelError("keyframe has no prompts; give the block some text")
        z = init.to(self.device, torch.float32)
        guide = Guide(self.text_embeds([p.text for p in spec.prompts]),
                      torch.tensor([p.weight for p in spec.prompts], device=self.device),
                      stops=torch.tensor([p.stop for p in spec.prompts], device=self.device)
                      if any(p.stop != float("-inf") for p in spec.prompts) else None,
                      init_z=z, init_weight=self.init_weight, tv_weight=self.tv_weight)
        opt = KeyframeOptimiser(self.vqgan, self.clip, self.codebook, guide, z, lr=spec.param("learning_rate"),
                                cutn=spec.param("cutn"), cut_pow=spec.param("cut_pow"), seed=spec.seed, augment=self.augment,
                                noise_fac=self.noise_fac, autocast=self.autocast)
        for i in range(spec.iterations):
            loss = opt.step()
            # .item() syncs with the GPU, so only when someone is listening.
            if callback is not None and callback(i + 1, spec.iterations, float(loss.item())):
                raise Cancelled(f"keyframe cancelled at step {i + 1}/{spec.iterations}")
        return opt.z.detach().to("cpu", torch.float32)

    @torch.no_grad()
    def quantise(self, z: torch.Tensor) -> torch.Tensor:
        """Latents (N, e, h, w) snapped to their nearest codebook rows, CPU float32: the picture
        CLIP scored is decode(quantise(z)), so keyframe previews and frames decode these."""
        if z.ndim != 4 or z.shape[1] != self.vqgan.embed_dim:
            raise DreamreelError(f"quantise: latents must be (N, {self.vqgan.embed_dim}, h, w), got {tuple(z.shape)}")
        z_q = vector_quantize(z.to(self.device, torch.float32).movedim(1, 3), self.codebook).movedim(3, 1)
        return z_q.to("cpu", torch.float32).contiguous()

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> np.ndarray:
        """Latents (N, e, h, w), decoded as given (pass `quantise(z)` for what CLIP scored; blends
        of quantised latents for in-betweens) -> uint8 (N, H, W, 3), in batches."""
        if z.ndim != 4 or z.shape[1] != self.vqgan.embed_dim:
            raise DreamreelError(f"decode: latents must be (N, {self.vqgan.embed_dim}, h, w), got {tuple(z.shape)}")
        out = []
        for chunk in z.split(self.decode_batch):
            with self.autocast():
                x = self.vqgan.decode(chunk.to(self.device, torch.float32))
            x = x.float().add(1).mul(127.5).clamp(0, 255).round().to(torch.uint8)
            out.append(x.permute(0, 2, 3, 1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, 0, 0, 3), np.uint8)

    # --- helpers --------------------------------------------------------------------------------

    def text_embeds(self, texts: list[str]) -> torch.Tensor:
        """(P, D) embeddings; each distinct text is encoded once per engine, on its own: a
        batched encoder's output depends (in the last bits) on what else is in the batch, and
        which texts are new depends on where a render (re)started, so a resumed render must
        not see other embeddings than an uninterrupted one."""
        for t in dict.fromkeys(texts):
            if t not in self._text_cache:
                with self.autocast():
                    embed = self.clip.encode_texts([t], self.device)[0]
                # clone() outside inference mode: inference tensors cannot join autograd graphs later.
                self._text_cache[t] = embed.float().clone()
        return torch.stack([self._text_cache[t] for t in texts])

    @torch.no_grad()
    def image_embed(self, image: torch.Tensor) -> torch.Tensor:
        """CLIP embedding (1, D) of a whole image in [0, 1], resized to CLIP's input (for checks)."""
        size = self.clip.image_size
        x = torch.nn.functional.interpolate(image.to(self.device), size=(size, size), mode="bilinear",
                                            align_corners=False, antialias=True)
        mean = torch.tensor(self.clip.mean, device=self.device).view(1, 3, 1, 1)
        std = torch.tensor(self.clip.std, device=self.device).view(1, 3, 1, 1)
        return self.clip.model.encode_image((x - mean) / std).float()
