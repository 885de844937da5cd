"""One keyframe by the "z+quantize" VQGAN+CLIP method (Crowson 2021, after Esser et al. 2021 and
Radford et al. 2021): Adam on a continuous latent that is snapped to the codebook with a
straight-through gradient, decoded, cut into augmented crops and scored by CLIP.

Pieces are small functions; the per-keyframe state (latent, optimiser, step, generators) lives
in one `KeyframeOptimiser`. All randomness comes from generators seeded by the caller.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


class _ReplaceGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x_forward, x_backward):
        ctx.shape = x_backward.shape
        return x_forward

    @staticmethod
    def backward(ctx, grad_in):
        return None, grad_in.sum_to_size(ctx.shape)


def replace_grad(x_forward: torch.Tensor, x_backward: torch.Tensor) -> torch.Tensor:
    """Value of `x_forward`, gradient routed to `x_backward` (straight-through estimator)."""
    return _ReplaceGrad.apply(x_forward, x_backward)


class _ClampWithGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        ctx.save_for_backward(x)
        return x.clamp(lo, hi)

    @staticmethod
    def backward(ctx, grad_in):
        (x,) = ctx.saved_tensors
        # Let the gradient through only where following it moves x back into range.
        return grad_in * (grad_in * (x - x.clamp(ctx.lo, ctx.hi)) >= 0), None, None


def clamp_with_grad(x: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    """Clamp whose gradient still pushes out-of-range values back in (not zero outside)."""
    return _ClampWithGrad.apply(x, lo, hi)


@dataclass(frozen=True)
class Codebook:
    """A VQGAN codebook with what every step needs precomputed once."""

    weight: torch.Tensor  # (n, e)
    sq_norms: torch.Tensor  # (n,)
    z_min: torch.Tensor  # (1, e, 1, 1)
    z_max: torch.Tensor  # (1, e, 1, 1)

    @classmethod
    def of(cls, weight: torch.Tensor) -> "Codebook":
        w = weight.detach().float()
        return cls(w, w.pow(2).sum(1), w.amin(0)[None, :, None, None], w.amax(0)[None, :, None, None])


def vector_quantize(x: torch.Tensor, codebook: Codebook) -> torch.Tensor:
    """Snap x (..., e) to its nearest codebook rows; straight-through gradient to x."""
    d = x.pow(2).sum(-1, keepdim=True) + codebook.sq_norms - 2 * x @ codebook.weight.T
    x_q = codebook.weight[d.argmin(-1)]
    return replace_grad(x_q, x)


def spherical_dist(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squared great-circle distance 2*arcsin(|a-b|/2)^2 between unit vectors: (N, D), (P, D) -> (N, P)."""
    x = F.normalize(x, dim=-1)
    y = F.normalize(y, dim=-1)
    return (x[:, None] - y[None]).norm(dim=-1).div(2).arcsin().pow(2).mul(2)


def prompt_loss(image_embeds: torch.Tensor, text_embeds: torch.Tensor, weights: torch.Tensor,
                stops: torch.Tensor | None = None) -> torch.Tensor:
    """The notebooks' Prompt loss, summed over prompts: w * mean spherical distance (signed, so a
    negative weight pushes the picture away and counts below zero). With `stops` (P,), the
    signed distance sign(w)*d never pulls below its stop: its gradient is that of
    max(sign(w)*d, stop), zero once the stop is reached; the value is still w*d."""
    dists = spherical_dist(image_embeds, text_embeds) * weights.sign()
    if stops is not None:
        dists = replace_grad(dists, torch.maximum(dists, stops.to(dists.dtype)))
    return (dists.mean(0) * weights.abs()).sum()


def tv_loss(image: torch.Tensor) -> torch.Tensor:
    """Total variation (squared neighbour differences), a smoothness prior."""
    image = F.pad(image, (0, 1, 0, 1), "replicate")
    dx = image[..., :-1, 1:] - image[..., :-1, :-1]
    dy = image[..., 1:, :-1] - image[..., :-1, :-1]
    return (dx.pow(2) + dy.pow(2)).mean((1, 2, 3)).sum()


@dataclass(frozen=True)
class CutoutParams:
    """Random crops and augmentations for one step, drawn up front so they can be replayed."""

    boxes: torch.Tensor  # (N, 4) x1, y1, x2, y2 in pixels (integer-valued)
    flip: torch.Tensor  # (N,) bool: mirror left-right
    theta: torch.Tensor  # (N, 2, 3) small affine (rotate, scale, translate), applied after the flip
    brightness: torch.Tensor  # (N,) added
    contrast: torch.Tensor  # (N,) factor around the cutout mean
    saturation: torch.Tensor  # (N,) factor around the grey value
    noise_fac: torch.Tensor  # (N,) std of the added Gaussian noise


def sample_cutouts(
    side_y: int, side_x: int, cut_size: int, cutn: int, cut_pow: float,
    generator: torch.Generator, *, augment: bool = True, noise_fac: float = 0.1,
) -> CutoutParams:
    """Crops of side `rand**cut_pow * (max-min) + min`, plus flip (p=.5), affine (p=.7:
    +-15 deg, scale .9-1.1, shift +-10%), colour jitter (p=.7) and noise. CPU generator, so the
    same seed gives the same cutouts on every device."""
    g = dict(generator=generator)
    max_size, min_size = min(side_x, side_y), min(side_x, side_y, cut_size)
    size = (torch.rand(cutn, **g).pow(cut_pow) * (max_size - min_size) + min_size).floor()
    x1 = (torch.rand(cutn, **g) * (side_x - size + 1)).floor()
    y1 = (torch.rand(cutn, **g) * (side_y - size + 1)).floor()
    boxes = torch.stack([x1, y1, x1 + size, y1 + size], 1)
    u = torch.rand(cutn, 9, **g)
    on = augment * 1.0
    flip = (u[:, 0] < 0.5) & bool(augment)
    aff = (u[:, 1] < 0.7) * on
    angle = (u[:, 2] * 2 - 1) * math.radians(15) * aff
    scale = 1 + (u[:, 3] * 0.2 - 0.1) * aff
    cos, sin = angle.cos() / scale, angle.sin() / scale
    tx, ty = (u[:, 4] * 0.4 - 0.2) * aff, (u[:, 5] * 0.4 - 0.2) * aff
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    jit = (u[:, 6] < 0.7) * on
    brightness = (u[:, 7] * 0.2 - 0.1) * jit
    contrast = 1 + (u[:, 8] * 0.2 - 0.1) * jit
    saturation = 1 + (torch.rand(cutn, **g) * 0.2 - 0.1) * jit
    noise = torch.rand(cutn, **g) * noise_fac * on
    return CutoutParams(boxes, flip, theta, brightness, contrast, saturation, noise)


def crop_resize(image: torch.Tensor, boxes: torch.Tensor, cut_size: int) -> torch.Tensor:
    """Each box of `image` (1, C, H, W) cropped and resized to cut_size x cut_size: bilinear,
    antialiased where the crop is larger than the cutout (as the notebooks' resample), plain
    bilinear where it is smaller. One `F.interpolate` per box (boxes differ in size)."""
    out = []
    for x1, y1, x2, y2 in boxes.long().tolist():
        crop = image[:, :, y1:y2, x1:x2]
        big = crop.shape[-1] > cut_size or crop.shape[-2] > cut_size
        out.append(F.interpolate(crop, (cut_size, cut_size), mode="bilinear", align_corners=False, antialias=big))
    return torch.cat(out)


def make_cutouts(image: torch.Tensor, p: CutoutParams, cut_size: int, noise: torch.Tensor) -> torch.Tensor:
    """Cutouts: `crop_resize` each box, then, batched, mirror (where `p.flip`) and warp by
    `p.theta` (mirroring x before the warp is the same as negating theta's x row, so both are one
    `grid_sample`, align_corners=False, border padding), then colour jitter and noise."""
    dev, dt = image.device, image.dtype
    crops = crop_resize(image, p.boxes, cut_size)
    sign = torch.where(p.flip, -1.0, 1.0)[:, None]
    theta = torch.cat([p.theta[:, :1] * sign[:, :, None], p.theta[:, 1:]], 1).to(dev, dt)
    grid = F.affine_grid(theta, list(crops.shape), align_corners=False)
    x = F.grid_sample(crops, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return jitter_and_noise(x, p, noise)


def jitter_and_noise(x: torch.Tensor, p: CutoutParams, noise: torch.Tensor) -> torch.Tensor:
    """Brightness, contrast, saturation per cutout, then per-cutout-scaled Gaussian noise."""
    col = lambda t: t.to(x.device, x.dtype)[:, None, None, None]  # noqa: E731
    grey = x.mean(1, keepdim=True)
    x = grey + col(p.saturation) * (x - grey)
    mean = x.mean((1, 2, 3), keepdim=True)
    x = mean + col(p.contrast) * (x - mean) + col(p.brightness)
    return x + col(p.noise_fac) * noise


@dataclass
class Guide:
    """What pulls the picture: prompt embeddings and weights, plus optional priors."""

    text_embeds: torch.Tensor  # (P, D)
    weights: torch.Tensor  # (P,)
    stops: torch.Tensor | None = None  # (P,), -inf for none; None when no prompt has a stop
    init_z: torch.Tensor | None = None
    init_weight: float = 0.0
    tv_weight: float = 0.0


class KeyframeOptimiser:
    """The state of one keyframe's optimisation: latent z, Adam, step count, generators."""

    def __init__(self, vqgan, clip, codebook: Codebook, guide: Guide, z: torch.Tensor, *,
                 lr: float, cutn: int, cut_pow: float, seed: int, augment: bool = True,
                 noise_fac: float = 0.1, autocast=contextlib.nullcontext):
        self.vqgan, self.clip, self.codebook, self.guide = vqgan, clip, codebook, guide
        self.z = z.detach().clone().requires_grad_(True)
        self.opt = torch.optim.Adam([self.z], lr=lr)
        self.step_count = 0
        self.cutn, self.cut_pow, self.augment, self.noise_fac = cutn, cut_pow, augment, noise_fac
        self.autocast = autocast
        dev = z.device
        self.generator = torch.Generator().manual_seed(seed)  # cutout params, on the CPU
        try:
            self.noise_generator = torch.Generator(dev).manual_seed(seed + 1)
        except RuntimeError:  # no generator on this device (older MPS builds): draw on the CPU
            self.noise_generator = torch.Generator().manual_seed(seed + 1)
        self.mean = torch.tensor(clip.mean, device=dev).view(1, 3, 1, 1)
        self.std = torch.tensor(clip.std, device=dev).view(1, 3, 1, 1)

    def image(self) -> torch.Tensor:
        """The current picture in [0, 1], (1, 3, H, W), differentiable w.r.t. z."""
        z_q = vector_quantize(self.z.movedim(1, 3), self.codebook).movedim(3, 1)
        with self.autocast():
            out = self.vqgan.decode(z_q)
        return clamp_with_grad(out.float().add(1).div(2), 0, 1)

    def loss(self, image: torch.Tensor) -> torch.Tensor:
        """CLIP prompt loss on fresh cutouts, plus the TV and init priors."""
        cut = self.clip.image_size
        params = sample_cutouts(*image.shape[2:], cut, self.cutn, self.cut_pow, self.generator,
                                augment=self.augment, noise_fac=self.noise_fac)
        noise = torch.randn(self.cutn, 3, cut, cut, device=self.noise_generator.device,
                            generator=self.noise_generator).to(image.device)
        cutouts = make_cutouts(image, params, cut, noise)
        with self.autocast():
            embeds = self.clip.model.encode_image((cutouts - self.mean) / self.std)
        g = self.guide
        loss = prompt_loss(embeds.float(), g.text_embeds, g.weights, g.stops)
        if g.tv_weight:
            loss = loss + g.tv_weight * tv_loss(image)
        if g.init_weight and g.init_z is not None:
            loss = loss + F.mse_loss(self.z, g.init_z) * (g.init_weight / 2)
        return loss

    def step(self) -> torch.Tensor:
        """One Adam step, then clamp z into the codebook's per-channel range. Returns the
        loss as a device tensor (no host sync)."""
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss(self.image())
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            self.z.copy_(torch.maximum(torch.minimum(self.z, self.codebook.z_max), self.codebook.z_min))
        self.step_count += 1
        return loss.detach()
