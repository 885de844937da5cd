"""Engine benchmark: one VQGAN+CLIP keyframe iteration, reference-notebook port vs Dreamreel.

Full-size architectures with random weights (no downloads): ViT-B-32 and the
vqgan_imagenet_f16_16384 VQGAN built from its embedded preset config. Prints seconds per
iteration for (a) a plain port of the reference notebook loop (trainable VQGAN as loaded there,
per-cutout python loop, one-hot quantisation, per-prompt modules) and (b) Dreamreel's
`KeyframeOptimiser`, their ratio, that both compute the same loss for the same seed and
cutouts, peak memory, and decode frames per second. A script that prints figures, not a test:

    .venv/bin/python bench/engine_bench.py [--size 256] [--cutn 32] [--iters 2] [--device auto]
"""

from __future__ import annotations

import argparse
import copy
import resource
import sys
import time

import torch
import torch.nn.functional as F

from dreamreel.core.engine.clip_model import ClipBundle
from dreamreel.core.engine.devices import estimate_memory, format_bytes, pick_device
from dreamreel.core.engine.models import PRESETS
from dreamreel.core.engine.optimise import Guide, KeyframeOptimiser, clamp_with_grad, replace_grad, sample_cutouts
from dreamreel.core.engine.vqgan import build_vqgan
from dreamreel.core.engine.vqgan_clip import VqganClipEngine

PROMPTS = (("a lighthouse in a storm, oil painting", 1.0), ("blurry", -0.5))


def build_models(seed: int = 0):
    """Random-weight full-size VQGAN (imagenet f16 16384) and CLIP ViT-B-32 bundle."""
    import open_clip

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        vqgan = build_vqgan(PRESETS["vqgan_imagenet_f16_16384"].params)
        torch.nn.init.normal_(vqgan.quantize.embedding.weight)
        clip = open_clip.create_model("ViT-B-32", pretrained=None)
    pp = open_clip.get_model_preprocess_cfg(clip)
    bundle = ClipBundle(clip, open_clip.get_tokenizer("ViT-B-32"), 224, tuple(pp["mean"]), tuple(pp["std"]),
                        "ViT-B-32/random")
    return vqgan, bundle


# --- (a) a plain port of the reference notebook loop ------------------------------------------


def ref_vector_quantize(x, codebook):
    d = x.pow(2).sum(dim=-1, keepdim=True) + codebook.pow(2).sum(dim=1) - 2 * x @ codebook.T
    indices = d.argmin(-1)
    x_q = F.one_hot(indices, codebook.shape[0]).to(d.dtype) @ codebook
    return replace_grad(x_q, x)


class RefPrompt(torch.nn.Module):
    def __init__(self, embed, weight=1.0):
        super().__init__()
        self.register_buffer("embed", embed)
        self.register_buffer("weight", torch.as_tensor(weight))

    def forward(self, input):
        input_normed = F.normalize(input.unsqueeze(1), dim=2)
        embed_normed = F.normalize(self.embed.unsqueeze(0), dim=2)
        dists = input_normed.sub(embed_normed).norm(dim=2).div(2).arcsin().pow(2).mul(2)
        return self.weight.abs() * replace_grad(dists, dists * self.weight.sign()).mean()


class RefMakeCutouts(torch.nn.Module):
    """The notebook's MakeCutouts: crop, resize and augment each cutout in a python loop."""

    def __init__(self, cut_size, cutn):
        super().__init__()
        self.cut_size, self.cutn = cut_size, cutn

    def forward(self, input, p, noise):
        cutouts = []
        for i in range(self.cutn):
            x1, y1, x2, y2 = (int(v) for v in p.boxes[i])
            cutout = F.interpolate(input[:, :, y1:y2, x1:x2], (self.cut_size, self.cut_size),
                                   mode="bilinear", align_corners=False)
            if p.flip[i]:
                cutout = cutout.flip(3)
            grid = F.affine_grid(p.theta[i:i + 1].to(input), [1, 3, self.cut_size, self.cut_size], align_corners=False)
            cutout = F.grid_sample(cutout, grid, mode="bilinear", padding_mode="border", align_corners=False)
            grey = cutout.mean(1, keepdim=True)
            cutout = grey + p.saturation[i].item() * (cutout - grey)
            mean = cutout.mean()
            cutout = mean + p.contrast[i].item() * (cutout - mean) + p.brightness[i].item()
            cutouts.append(cutout)
        batch = torch.cat(cutouts, dim=0)
        facs = p.noise_fac.to(input)[:, None, None, None]
        return batch + facs * noise


class ReferenceLoop:
    """z, Adam, synth, ascend_txt, train, as in the notebook (VQGAN loaded trainable there)."""

    def __init__(self, vqgan, clip: ClipBundle, text_embeds, z, *, lr, cutn, cut_pow, seed, noise_fac=0.1):
        self.model, self.clip, self.cutn, self.cut_pow, self.noise_fac = vqgan, clip, cutn, cut_pow, noise_fac
        self.perceptor = clip.model
        dev = z.device
        self.z = z.clone().requires_grad_(True)
        self.opt = torch.optim.Adam([self.z], lr=lr)
        cb = vqgan.quantize.embedding.weight
        self.z_min = cb.min(dim=0).values[None, :, None, None]
        self.z_max = cb.max(dim=0).values[None, :, None, None]
        self.make_cutouts = RefMakeCutouts(clip.image_size, cutn)
        self.mean = torch.tensor(clip.mean, device=dev).view(1, 3, 1, 1)
        self.std = torch.tensor(clip.std, device=dev).view(1, 3, 1, 1)
        self.prompts = [RefPrompt(e[None], w).to(dev) for e, (_, w) in zip(text_embeds, PROMPTS)]
        self.generator = torch.Generator().manual_seed(seed)
        self.noise_generator = torch.Generator(dev).manual_seed(seed + 1)

    def synth(self):
        z_q = ref_vector_quantize(self.z.movedim(1, 3), self.model.quantize.embedding.weight).movedim(3, 1)
        return clamp_with_grad(self.model.decode(z_q).add(1).div(2), 0, 1)

    def ascend_txt(self):
        out = self.synth()
        cut = self.clip.image_size
        p = sample_cutouts(*out.shape[2:], cut, self.cutn, self.cut_pow, self.generator, noise_fac=self.noise_fac)
        noise = torch.randn(self.cutn, 3, cut, cut, device=out.device, generator=self.noise_generator)
        iii = self.perceptor.encode_image((self.make_cutouts(out, p, noise) - self.mean) / self.std).float()
        return [prompt(iii) for prompt in self.prompts]

    def step(self):
        self.opt.zero_grad()
        loss = sum(self.ascend_txt())
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            self.z.copy_(self.z.maximum(self.z_min).minimum(self.z_max))
        return loss.detach()


# --- measuring --------------------------------------------------------------------------------


def peak_memory(device) -> int:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed_step(loop, device) -> tuple[float, float]:
    sync(device)
    t = time.perf_counter()
    loss = loop.step()
    sync(device)
    return time.perf_counter() - t, float(loss)


def interleaved(loops, iters: int, device) -> list[tuple[float, list[float]]]:
    """Alternate one step of each loop, so load from other processes hits all of them alike."""
    times = [[] for _ in loops]
    losses = [[] for _ in loops]
    for _ in range(iters):
        for i, loop in enumerate(loops):
            dt, loss = timed_step(loop, device)
            times[i].append(dt)
            losses[i].append(loss)
    return [(sum(t) / max(1, len(t)), l) for t, l in zip(times, losses)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--cutn", type=int, default=32)
    ap.add_argument("--iters", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch default)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} CPU threads, "
          f"{args.size}x{args.size}, cutn {args.cutn}, {args.warmup} warm-up + {args.iters} timed steps each, "
          "interleaved")
    t = time.perf_counter()
    vqgan, clip = build_models()
    ref_clip = copy.deepcopy(clip)  # stock open_clip modules for (a); the engine packs its attention
    engine = VqganClipEngine(vqgan, clip, device=device, vqgan_id="random", decode_batch=4)
    print(f"built random-weight models in {time.perf_counter() - t:.1f} s; "
          f"estimated peak {format_bytes(estimate_memory(args.size, args.size, cutn=args.cutn))}")
    from dreamreel.core.engine.base import KeyframeSpec, WeightedPrompt

    spec = KeyframeSpec(tuple(WeightedPrompt(t, w) for t, w in PROMPTS), args.size, args.size, seed=7,
                        iterations=args.iters, cutn=args.cutn)
    z0 = engine.random_latent(spec).to(device)
    embeds = engine.text_embeds([t for t, _ in PROMPTS])
    weights = torch.tensor([w for _, w in PROMPTS], device=device)
    kw = dict(lr=spec.learning_rate, cutn=spec.cutn, cut_pow=spec.cut_pow, seed=spec.seed)

    # (b) Dreamreel: frozen models, channels_last decoder, packed attention, batched cutouts,
    # cached codebook norms.
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    ours = KeyframeOptimiser(engine.vqgan, clip, engine.codebook, Guide(embeds, weights), z0,
                             autocast=engine.autocast, **kw)
    first_b = [timed_step(ours, device)[1] for _ in range(args.warmup)]
    mem_b = peak_memory(device)

    # (a) reference port: its own trainable NCHW copy of the VQGAN, as the notebook loads it.
    ref_vqgan = copy.deepcopy(engine.vqgan).to(memory_format=torch.contiguous_format).requires_grad_(True)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    ref_clip.model.to(device)
    ref = ReferenceLoop(ref_vqgan, ref_clip, embeds, z0, **kw)
    first_a = [timed_step(ref, device)[1] for _ in range(args.warmup)]
    mem_a = peak_memory(device)
    (sec_a, loss_a), (sec_b, loss_b) = interleaved([ref, ours], args.iters, device)
    loss_a, loss_b = first_a + loss_a, first_b + loss_b

    exact = device.type == "cpu"
    print(f"(a) reference port : {sec_a:7.2f} s/it   losses {', '.join(f'{x:.6f}' for x in loss_a)}")
    print(f"(b) dreamreel      : {sec_b:7.2f} s/it   losses {', '.join(f'{x:.6f}' for x in loss_b)}")
    print(f"speed-up (a)/(b)   : {sec_a / sec_b:7.2f}x")
    diff = abs(loss_a[0] - loss_b[0])
    print(f"step-1 loss |a-b|  : {diff:.2e} ({'fp32, same seed and cutouts' if exact else 'autocast on GPU'})"
          + ("  OK" if diff < 1e-4 or not exact else "  MISMATCH"))
    if device.type == "cpu":
        print(f"peak RSS of the process: {format_bytes(mem_b)} after (b)'s first step, "
              f"{format_bytes(mem_a)} after (a)'s (which adds its trainable VQGAN copy)")
    else:
        print(f"peak allocated: (b) {format_bytes(mem_b)}, (a) {format_bytes(mem_a)}")
    del ref, ref_vqgan

    zs = torch.cat([z0.cpu()] * 8)
    engine.decode(zs[:1])
    sync(device)
    t = time.perf_counter()
    frames = engine.decode(zs)
    sync(device)
    print(f"decode             : {len(frames) / (time.perf_counter() - t):7.2f} frames/s "
          f"({frames.shape[2]}x{frames.shape[1]}, batch {engine.decode_batch})")
    return 0 if diff < 1e-4 or not exact else 1


if __name__ == "__main__":
    sys.exit(main())
