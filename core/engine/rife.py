"""RIFE frame interpolation (Huang et al., ECCV 2022; Practical-RIFE 4.25 IFNet, MIT), in torch.

IFNet estimates, coarse to fine over five blocks, two optical flows (from the wanted time t to
each input picture) and a blend mask; the in-between is the mask-weighted mix of both inputs
back-warped along their flows. Parameter names follow Practical-RIFE's `flownet.pkl`, so its
released weights (and the `.pth`/`.safetensors` conversions of them) load as they are.

`Rife` is the engine-independent frame stage: `frames(a, b, ts)` makes pictures between two
decoded keyframes, exactly `a` at t=0 and `b` at t=1. `is_scene_cut` tells when two keyframes are
too different to morph (the render then cuts instead of blending).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dreamreel.core.errors import DreamreelError

RIFE_VERSION = "4.25"
PAD = 64  # the coarsest block works at 1/16 scale and halves twice more
SCALES = (16, 8, 4, 2, 1)
WIDTHS = (192, 128, 96, 64, 32)  # channels of each block
FEAT = 16  # channels of the picture features (Head)
BLOCK_FEAT = 8  # features a block passes on to the next


def _act() -> nn.Module:
    return nn.LeakyReLU(0.2, inplace=True)


class Head(nn.Module):
    """Per-picture features at full resolution (down 2x, two convs, up 2x)."""

    def __init__(self):
        super().__init__()
        self.cnn0 = nn.Conv2d(3, FEAT, 3, 2, 1)
        self.cnn1 = nn.Conv2d(FEAT, FEAT, 3, 1, 1)
        self.cnn2 = nn.Conv2d(FEAT, FEAT, 3, 1, 1)
        self.cnn3 = nn.ConvTranspose2d(FEAT, FEAT, 4, 2, 1)
        self.relu = _act()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.cnn0(x))
        x = self.relu(self.cnn1(x))
        x = self.relu(self.cnn2(x))
        return self.cnn3(x)


class ResConv(nn.Module):
    """3x3 conv with a learnt per-channel residual gain `beta`."""

    def __init__(self, c: int):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)
        self.beta = nn.Parameter(torch.ones(1, c, 1, 1))
        self.relu = _act()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.conv(x) * self.beta + x)


class IFBlock(nn.Module):
    """One refinement level: works at 1/scale, returns (flow (4 ch), mask logit, features)."""

    def __init__(self, in_ch: int, c: int):
        super().__init__()
        self.conv0 = nn.Sequential(
            nn.Sequential(nn.Conv2d(in_ch, c // 2, 3, 2, 1), _act()),
            nn.Sequential(nn.Conv2d(c // 2, c, 3, 2, 1), _act()),
        )
        self.convblock = nn.Sequential(*(ResConv(c) for _ in range(8)))
        out = 4 + 1 + BLOCK_FEAT
        self.lastconv = nn.Sequential(nn.ConvTranspose2d(c, 4 * out, 4, 2, 1), nn.PixelShuffle(2))

    def forward(self, x: torch.Tensor, flow: torch.Tensor | None, scale: float):
        if scale != 1:
            x = F.interpolate(x, scale_factor=1.0 / scale, mode="bilinear", align_corners=False)
        if flow is not None:
            if scale != 1:
                flow = F.interpolate(flow, scale_factor=1.0 / scale, mode="bilinear", align_corners=False) / scale
            x = torch.cat((x, flow), 1)
        y = self.lastconv(self.convblock(self.conv0(x)))
        if scale != 1:
            y = F.interpolate(y, scale_factor=scale, mode="bilinear", align_corners=False)
        return y[:, :4] * scale, y[:, 4:5], y[:, 5:]


def warp(x: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Back-warp `x` (N, C, H, W) along `flow` (N, 2, H, W) in pixels, border-clamped."""
    n, _, h, w = flow.shape
    ys = torch.linspace(-1.0, 1.0, h, device=flow.device, dtype=flow.dtype)
    xs = torch.linspace(-1.0, 1.0, w, device=flow.device, dtype=flow.dtype)
    base = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)  # (H, W, 2) as (x, y)
    scale = torch.tensor([2.0 / max(w - 1, 1), 2.0 / max(h - 1, 1)], device=flow.device, dtype=flow.dtype)
    grid = base.unsqueeze(0) + flow.permute(0, 2, 3, 1) * scale
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)


class IFNet(nn.Module):
    """Practical-RIFE 4.25's flow network. Inputs in [0, 1], sizes a multiple of `PAD`."""

    def __init__(self):
        super().__init__()
        first_in = 3 + 3 + 2 * FEAT + 1  # both pictures, their features, the time
        later_in = first_in + 1 + BLOCK_FEAT + 4  # + mask, block features, flow
        for i, c in enumerate(WIDTHS):
            self.add_module(f"block{i}", IFBlock(first_in if i == 0 else later_in, c))
        self.encode = Head()

    def forward(self, img0: torch.Tensor, img1: torch.Tensor, timestep: torch.Tensor,
                scales=SCALES) -> torch.Tensor:
        """The pictures at `timestep` (N, 1, 1, 1) in [0, 1] between img0 and img1 (N, 3, H, W)."""
        n, _, h, w = img0.shape
        t = timestep.expand(n, 1, h, w)
        f0, f1 = self.encode(img0), self.encode(img1)
        flow = mask = feat = None
        w0, w1 = img0, img1
        for i, scale in enumerate(scales):
            block = getattr(self, f"block{i}")
            if flow is None:
                flow, mask, feat = block(torch.cat((img0, img1, f0, f1, t), 1), None, scale)
            else:
                x = torch.cat((w0, w1, warp(f0, flow[:, :2]), warp(f1, flow[:, 2:4]), t, mask, feat), 1)
                dflow, mask, feat = block(x, flow, scale)
                flow = flow + dflow
            w0, w1 = warp(img0, flow[:, :2]), warp(img1, flow[:, 2:4])
        m = torch.sigmoid(mask)
        return w0 * m + w1 * (1 - m)


def load_ifnet(path: str | os.PathLike) -> IFNet:
    """An IFNet with weights from a `.safetensors` file or a torch state dict (`flownet.pkl`,
    `rife425.pth`), read with `weights_only` (no code runs). Keys may carry DDP's `module.`
    prefix; training-only parts are ignored; a missing or misshapen tensor is an error."""
    from dreamreel.core.engine.vqgan import read_state_dict

    path = Path(path)
    if not path.is_file():
        raise DreamreelError(f"{path}: RIFE weights not found; run `dreamreel models download rife`")
    state = {k.removeprefix("module."): v for k, v in read_state_dict(path).items()}
    net = IFNet()
    own = net.state_dict()
    bad = [k for k, v in own.items() if k not in state or tuple(state[k].shape) != tuple(v.shape)]
    if bad:
        raise DreamreelError(f"{path}: not RIFE {RIFE_VERSION} weights ({len(bad)} tensors missing or of "
                             f"another shape, e.g. {bad[0]}); run `dreamreel models download rife`")
    net.load_state_dict({k: state[k] for k in own})
    return net.eval().requires_grad_(False)


def scene_change(a: np.ndarray, b: np.ndarray, size: int = 64) -> float:
    """1 - SSIM of two uint8 (H, W, 3) pictures' luma at `size`² (0 = same, ~1 = unrelated)."""
    def luma(img):
        x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).float().unsqueeze(0) / 255.0
        x = F.interpolate(x, size=(size, size), mode="area")
        return (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)

    x, y = luma(a), luma(b)
    pool = lambda v: F.avg_pool2d(v, 7, 1, 3, count_include_pad=False)  # noqa: E731
    mx, my = pool(x), pool(y)
    vx, vy, cxy = pool(x * x) - mx**2, pool(y * y) - my**2, pool(x * y) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    ssim = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(1.0 - ssim.mean())


class Rife:
    """The frame stage: in-betweens of two decoded keyframes with an IFNet.

    fp16 on CUDA, fp32 elsewhere. Pictures are padded to a multiple of `PAD` (replicated
    edges) and cropped back. `cut_threshold`: `scene_change` above which two keyframes are a
    cut (Practical-RIFE holds the frame when SSIM < 0.2; we use the same bound)."""

    name = "rife"

    def __init__(self, net: IFNet, *, device: torch.device | str = "cpu", batch: int = 8,
                 cut_threshold: float = 0.8, weights: Path | None = None):
        self.device = torch.device(device)
        self.dtype = torch.float16 if self.device.type == "cuda" else torch.float32
        self.net = net.to(self.device, self.dtype).eval().requires_grad_(False)
        self.batch, self.cut_threshold, self.weights = batch, cut_threshold, weights

    @classmethod
    def from_file(cls, path: str | os.PathLike, **kwargs) -> "Rife":
        return cls(load_ifnet(path), weights=Path(path), **kwargs)

    def is_scene_cut(self, a: np.ndarray, b: np.ndarray) -> bool:
        return scene_change(a, b) > self.cut_threshold

    def _tensor(self, img: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).unsqueeze(0)
        x = x.to(self.device, self.dtype) / 255.0
        h, w = x.shape[2:]
        ph, pw = -h % PAD, -w % PAD
        return F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x

    @torch.inference_mode()
    def frames(self, a: np.ndarray, b: np.ndarray, ts) -> np.ndarray:
        """uint8 (len(ts), H, W, 3) pictures at times `ts` in [0, 1] between `a` and `b`;
        t=0 gives `a` and t=1 gives `b`, bit for bit."""
        ts = np.asarray(ts, dtype=np.float64).reshape(-1)
        if a.shape != b.shape or a.ndim != 3 or a.shape[2] != 3:
            raise DreamreelError(f"rife: pictures must be two (H, W, 3) of one size, got {a.shape} and {b.shape}")
        h, w = a.shape[:2]
        out = np.empty((len(ts), h, w, 3), np.uint8)
        inner = [i for i, t in enumerate(ts) if 0 < t < 1]
        for i, t in enumerate(ts):
            if not 0 < t < 1:
                out[i] = a if t <= 0 else b
        if inner:
            x0, x1 = self._tensor(a), self._tensor(b)
            for k in range(0, len(inner), self.batch):
                idx = inner[k : k + self.batch]
                t = torch.tensor(ts[idx], device=self.device, dtype=self.dtype).view(-1, 1, 1, 1)
                y = self.net(x0.expand(len(idx), -1, -1, -1), x1.expand(len(idx), -1, -1, -1), t)
                y = y[:, :, :h, :w].float().mul(255).round().clamp(0, 255).to(torch.uint8)
                out[idx] = y.permute(0, 2, 3, 1).cpu().numpy()
        return out


ENV_RIFE_WEIGHTS = "DREAMREEL_RIFE_WEIGHTS"
RIFE_FILE = "rife425.pth"  # what `dreamreel models download rife` writes into the models dir


def resolve_rife_weights(path: str | os.PathLike | None = None) -> Path:
    """The RIFE weights: `path` > `$DREAMREEL_RIFE_WEIGHTS` > `<models dir>/rife425.pth`
    (a `.safetensors` of the same name is taken too); ModelNotFoundError says how to fetch."""
    from dreamreel.core.engine.models import _pick, models_dir

    default = models_dir() / RIFE_FILE
    if not default.is_file() and default.with_suffix(".safetensors").is_file():
        default = default.with_suffix(".safetensors")
    return _pick(path, ENV_RIFE_WEIGHTS, default, "RIFE weights",
                 "run `dreamreel models download rife`, or choose another interpolation")


class RifeFrames:
    """In-betweens of a render's keyframes through a `Rife`: frames as float (N, H, W, 3) in
    0..255 (so the cluster spring can mix them), a keyframe's own picture at frac 0 or 1, and a
    hold instead of a morph across a cut: into a random start (a block's first keyframe under
    per-block continuity) or between pictures `Rife.is_scene_cut` calls unrelated."""

    def __init__(self, rife: Rife, keyframes, picture):
        self.rife, self.keyframes, self._picture = rife, keyframes, picture
        self._pictures: dict[int, np.ndarray] = {}
        self._cuts: dict[tuple[int, int], bool] = {}

    def picture(self, i: int) -> np.ndarray:
        if i not in self._pictures:
            self._pictures[i] = self._picture(int(i))
        return self._pictures[i]

    def forget_before(self, i: int) -> None:
        for k in [k for k in self._pictures if k < i]:
            del self._pictures[k]

    def is_cut(self, lo: int, hi: int) -> bool:
        if (lo, hi) not in self._cuts:
            self._cuts[lo, hi] = bool(self.keyframes[hi].spec.init_key is None or
                                      self.rife.is_scene_cut(self.picture(lo), self.picture(hi)))
        return self._cuts[lo, hi]

    def pictures(self, lo, hi, frac) -> torch.Tensor:
        lo, hi, frac = np.asarray(lo), np.asarray(hi), np.asarray(frac, dtype=np.float64)
        out: list[np.ndarray | None] = [None] * len(lo)
        groups: dict[tuple[int, int], list[int]] = {}
        for j, (a, b, f) in enumerate(zip(lo.tolist(), hi.tolist(), frac.tolist())):
            if f <= 0 or a == b:
                out[j] = self.picture(a)
            elif f >= 1:
                out[j] = self.picture(b)
            elif self.is_cut(a, b):
                out[j] = self.picture(a)  # hold until the cut lands on b's own frame
            else:
                groups.setdefault((a, b), []).append(j)
        for (a, b), idx in groups.items():
            for j, img in zip(idx, self.rife.frames(self.picture(a), self.picture(b), frac[idx])):
                out[j] = img
        return torch.from_numpy(np.stack(out)).float()

    @staticmethod
    def as_tensor(images: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.asarray(images)).float()

    @staticmethod
    def as_uint8(pics: torch.Tensor) -> np.ndarray:
        return pics.round().clamp(0, 255).to(torch.uint8).numpy()


RIFE_LICENCE = "MIT"
# Practical-RIFE publishes 4.25 on Google Drive only; these mirror its flownet as a plain state
# dict. No hash is published: the file loads with weights_only and must match IFNet's tensors.
RIFE_MIRRORS = (
    "https://github.com/styler00dollar/VSGAN-tensorrt-docker/releases/download/models/rife425.pth",
    "https://github.com/Fannovel16/ComfyUI-Frame-Interpolation/releases/download/models/rife425.pth",
)


def download_rife(*, progress=None, cancel=None, log=print, url: str | None = None,
                  sha256: str | None = None) -> Path:
    """Fetch the RIFE 4.25 weights into the models dir (kept when present and good), landing
    only once they load as IFNet's tensors."""
    from dreamreel.core.engine.download import download_file
    from dreamreel.core.engine.models import expected, models_dir

    dest = models_dir() / RIFE_FILE
    size, digest, _ = expected(f"rife/{RIFE_FILE}")
    path, _ = download_file(f"rife/{RIFE_FILE}", dest, RIFE_MIRRORS, check=lambda p: load_ifnet(p) and None,
                            size=size, sha256=digest, url=url, user_sha256=sha256, progress=progress,
                            cancel=cancel, log=log)
    return path
