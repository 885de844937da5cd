"""Engine benchmark: one VQGAN+CLIP keyframe iteration, the reference notebooks' loop vs Dreamreel.

Full-size architectures with random weights (no downloads): ViT-B-32 and the
vqgan_imagenet_f16_16384 VQGAN built from its embedded preset config. All loops run in ONE
process, interleaved step by step (load from other processes hits them alike), from the same z,
seed and cutouts:

- ref:  a plain port of the notebook loop, with both models FROZEN as the notebooks do
        (`requires_grad_(False)`, eval): per-cutout python loop, one-hot quantisation,
        per-prompt modules, stock open_clip attention, NCHW decoder.
- dreamreel variants: `KeyframeOptimiser` in fp32 (the CPU default), and, where the CPU has
  bf16 support, under bf16 autocast; `--compile` adds a torch.compile variant.

Prints per loop: median s/iter over the timed steps, ratio ref/variant, peak memory of one step
above the process's resting RSS (sampled from /proc every 2 ms; CPU) or peak allocated (CUDA),
and the loss trajectory's largest relative deviation from Dreamreel fp32 over all steps. A
script that prints figures, not a test:

    .venv/bin/python bench/engine_bench.py [--size 256] [--cutn 32] [--steps 20] [--device auto]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import statistics
import sys
import threading
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
    def __init__(self, embed, weight=1.0, stop=float("-inf")):
        super().__init__()
        self.register_buffer("embed", embed)
        self.register_buffer("weight", torch.as_tensor(weight))
        self.register_buffer("stop", torch.as_tensor(stop))

    def forward(self, input):
        input_normed = F.normalize(input.unsqueeze(1), dim=2)
        embed_normed = F.normalize(self.embed.unsqueeze(0), dim=2)
        dists = input_normed.sub(embed_normed).norm(dim=2).div(2).arcsin().pow(2).mul(2)
        dists = dists * self.weight.sign()  # the notebooks' Prompt: value w*d, stop clamps the pull
        return self.weight.abs() * replace_grad(dists, torch.maximum(dists, self.stop)).mean()


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
    """z, Adam, synth, ascend_txt, train, as in the notebook (models frozen by the caller)."""

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


class StepMemory:
    """Peak memory of the steps run inside `with` it, above the resting level before: CUDA peak
    allocated, or the process RSS sampled every 2 ms (torch's CPU allocator gives big blocks
    back to the OS, so the resting level after a step is back near where it started)."""

    def __init__(self, device):
        self.device, self.peak = device, 0

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    def __enter__(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self.base = torch.cuda.memory_allocated(self.device)
            return self
        self.base, self.top, self.stop = self.rss(), 0, False

        def sample():
            while not self.stop:
                self.top = max(self.top, self.rss())
                time.sleep(0.002)

        self.thread = threading.Thread(target=sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            peak = torch.cuda.max_memory_allocated(self.device) - self.base
        else:
            self.stop = True
            self.thread.join()
            peak = self.top - self.base
        self.peak = max(self.peak, peak)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_interleaved(loops: dict, steps: int, warmup: int, device) -> dict:
    """Alternate one step of each loop; {name: (step times, losses, StepMemory)}."""
    out = {name: ([], [], StepMemory(device)) for name in loops}
    for n in range(steps):
        for name, loop in loops.items():
            times, losses, mem = out[name]
            sync(device)
            with mem:
                t = time.perf_counter()
                loss = loop.step()
                sync(device)
                dt = time.perf_counter() - t
            losses.append(float(loss))
            if n >= warmup:
                times.append(dt)
        print(f"  step {n + 1}/{steps}: " + "  ".join(f"{k} {out[k][0][-1] if out[k][0] else float('nan'):.2f}s"
                                               for k in loops), flush=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--cutn", type=int, default=32)
    ap.add_argument("--steps", type=int, default=20, help="steps per loop (losses compared over all)")
    ap.add_argument("--warmup", type=int, default=2, help="first steps left out of the timing")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch default)")
    ap.add_argument("--compile", action="store_true", help="add a torch.compile variant (slow to compile)")
    ap.add_argument("--tolerance", type=float, default=0.02,
                    help="largest relative loss deviation from fp32 accepted for a reduced-precision variant")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    from dreamreel.core.engine.devices import cpu_has_amx

    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} CPU threads, load {load}, "
          f"AMX {'yes' if cpu_has_amx() else 'no'}, {args.size}x{args.size}, cutn {args.cutn}, "
          f"{args.steps} steps each ({args.warmup} untimed), interleaved")
    t = time.perf_counter()
    vqgan, clip = build_models()
    ref_clip = copy.deepcopy(clip)  # stock open_clip modules for ref; the engine packs its attention
    ref_vqgan = copy.deepcopy(vqgan)
    engine = VqganClipEngine(vqgan, clip, device=device, vqgan_id="random", autocast=False)
    print(f"built random-weight models in {time.perf_counter() - t:.1f} s; "
          f"estimated peak {format_bytes(estimate_memory(args.size, args.size, cutn=args.cutn))}")
    from dreamreel.core.engine.base import KeyframeSpec, WeightedPrompt

    spec = KeyframeSpec.make(tuple(WeightedPrompt(t, w) for t, w in PROMPTS), args.size, args.size, seed=7,
                             iterations=args.steps, learning_rate=0.1, cutn=args.cutn, cut_pow=1.0)
    z0 = engine.random_latent(spec).to(device)
    embeds = engine.text_embeds([t for t, _ in PROMPTS])
    weights = torch.tensor([w for _, w in PROMPTS], device=device)
    kw = dict(lr=spec.param("learning_rate"), cutn=spec.param("cutn"), cut_pow=spec.param("cut_pow"), seed=spec.seed)

    # ref: frozen, as the notebooks load them (model.eval().requires_grad_(False), perceptor too).
    ref_vqgan.to(device, memory_format=torch.contiguous_format).eval().requires_grad_(False)
    ref_clip.model.to(device).eval().requires_grad_(False)
    loops = {"ref": ReferenceLoop(ref_vqgan, ref_clip, embeds, z0, **kw)}

    def ours(autocast=contextlib.nullcontext, vq=engine.vqgan, cl=clip):
        return KeyframeOptimiser(vq, cl, engine.codebook, Guide(embeds, weights), z0, autocast=autocast, **kw)

    loops["fp32"] = ours()
    half = torch.bfloat16 if device.type == "cpu" else (torch.bfloat16 if device.type == "cuda"
                                                         and torch.cuda.is_bf16_supported() else torch.float16)
    if device.type != "cpu" or torch.cpu._is_avx512_bf16_supported() or cpu_has_amx():
        name = "bf16" if half == torch.bfloat16 else "fp16"
        loops[name] = ours(functools.partial(torch.autocast, device_type=device.type, dtype=half))
    if args.compile:
        import types

        cvq = copy.copy(engine.vqgan)
        cvq.decode = torch.compile(engine.vqgan.decode)
        ccl = copy.copy(clip)
        ccl.model = types.SimpleNamespace(encode_image=torch.compile(clip.model.encode_image))
        loops["fp32+compile"] = ours(vq=cvq, cl=ccl)
    results = run_interleaved(loops, args.steps, args.warmup, device)

    base_losses = results["fp32"][1]
    ref_s = statistics.median(results["ref"][0])
    print()
    print(f"{'loop':14} {'s/iter (median)':>16} {'ref/loop':>9} {'peak step memory':>17} {'loss dev vs fp32':>17}")
    ok = True
    for name, (times, losses, mem) in results.items():
        med = statistics.median(times)
        dev = max(abs(a - b) / abs(b) for a, b in zip(losses, base_losses))
        print(f"{name:14} {med:16.3f} {ref_s / med:8.2f}x {format_bytes(mem.peak):>17} {dev:17.2e}")
        if name in ("bf16", "fp16") and dev > args.tolerance:
            ok = False
    first = abs(results["ref"][1][0] - base_losses[0])
    print(f"step-1 loss |ref - fp32| = {first:.2e} (same z, seed and cutouts; only the cutout op differs)")
    print(f"reduced-precision tolerance: largest relative loss deviation over {args.steps} steps <= {args.tolerance:g}"
          f" -> {'OK' if ok else 'EXCEEDED'}")

    zs = torch.cat([z0.cpu()] * 4)
    engine.decode(zs[:1])
    sync(device)
    t = time.perf_counter()
    frames = engine.decode(zs)
    sync(device)
    print(f"decode: {len(frames) / (time.perf_counter() - t):.2f} frames/s "
          f"({frames.shape[2]}x{frames.shape[1]}, batch {engine.decode_batch})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
