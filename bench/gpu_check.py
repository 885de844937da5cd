"""GPU check: a few VQGAN+CLIP keyframes on CUDA with random-weight full-size models.

One command for a machine with an NVIDIA GPU (no downloads: ViT-B-32 and the
vqgan_imagenet_f16_16384 VQGAN built with random weights, as bench/engine_bench.py does):

    .venv/bin/python bench/gpu_check.py [--size 384] [--cutn 32] [--keyframes 3] [--iters 20]

Prints, per precision (fp32, fp16, and bf16 where supported): iterations per second over a
short chain of keyframes through `VqganClipEngine.keyframe`, the peak allocated memory against
`devices.estimate_memory`, and how far each half-precision loss trajectory strays from fp32
(largest relative deviation over the first keyframe's steps). Exits 2 with one line on a
machine without CUDA, 1 when a half-precision trajectory strays past --tolerance.
"""

from __future__ import annotations

import argparse
import sys
import time

import torch


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--cutn", type=int, default=32)
    ap.add_argument("--keyframes", type=int, default=3)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--tolerance", type=float, default=0.02)
    args = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("gpu_check: no CUDA GPU is visible to torch; run this on a machine with an NVIDIA GPU "
              "(bench/engine_bench.py measures the CPU)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from engine_bench import PROMPTS, build_models

    from dreamreel.core.engine import devices
    from dreamreel.core.engine.base import KeyframeSpec, WeightedPrompt
    from dreamreel.core.engine.vqgan_clip import VqganClipEngine

    dev = torch.device("cuda")
    print(f"{torch.cuda.get_device_name(dev)}, torch {torch.__version__}, {args.size}x{args.size}, "
          f"cutn {args.cutn}, {args.keyframes} keyframes x {args.iters} iterations")
    vqgan, clip = build_models()
    estimate = devices.estimate_memory(args.size, args.size, cutn=args.cutn)
    dtypes = [("fp32", None), ("fp16", torch.float16)]
    if torch.cuda.is_bf16_supported():
        dtypes.append(("bf16", torch.bfloat16))
    traj, ok = {}, True
    for name, dtype in dtypes:
        engine = VqganClipEngine(vqgan, clip, device=dev, vqgan_id="random", autocast=dtype or False)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        losses: list[float] = []
        z, steps, t0 = None, 0, None
        for k in range(args.keyframes):
            spec = KeyframeSpec.make(tuple(WeightedPrompt(t, w) for t, w in PROMPTS), args.size, args.size,
                                     seed=7 + k, iterations=args.iters, learning_rate=0.1, cutn=args.cutn, cut_pow=1.0)
            z = engine.random_latent(spec) if z is None else z
            record = (lambda i, n, loss: losses.append(loss)) if k == 0 else None
            if k == 1:  # the first keyframe pays for cuDNN autotuning and the CUDA context
                torch.cuda.synchronize()
                t0, steps = time.perf_counter(), 0
            z = engine.keyframe(spec, z, callback=record)
            steps += args.iters
            frame = engine.decode(engine.quantise(z))
        torch.cuda.synchronize()
        elapsed = time.perf_counter() - t0 if t0 is not None else float("nan")
        peak = torch.cuda.max_memory_allocated()
        traj[name] = losses
        dev_rel = 0.0 if name == "fp32" else max(abs(a - b) / abs(b) for a, b in zip(losses, traj["fp32"]))
        flag = "" if name == "fp32" else ("  OK" if dev_rel <= args.tolerance else "  EXCEEDED")
        ok &= not flag.strip() == "EXCEEDED"
        print(f"{name:5} {steps / elapsed:7.2f} it/s (keyframes 2..{args.keyframes})  peak "
              f"{devices.format_bytes(peak)} vs estimate {devices.format_bytes(estimate)}"
              f" ({peak / estimate:.2f}x)  loss dev vs fp32 {dev_rel:.2e}{flag}  frame {frame.shape[2]}x{frame.shape[1]}")
        del engine
        torch.cuda.empty_cache()
    print(f"tolerance: largest relative loss deviation over {args.iters} steps <= {args.tolerance:g}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
