"""Interpolation benchmark: RIFE (IFNet 4.25) in-betweens per second at 256² and 512², and memory.

Random weights (no download): the network's cost does not depend on its weights. Pictures are
a smooth gradient and the same shifted, so nothing is a scene cut. Prints frames/s for one
in-between at a time and for a batch (how the render stage calls it), peak memory, and the
cost of 6 -> 60 fps (nine in-betweens per keyframe pair). A script that prints figures:

    .venv/bin/python bench/interp_bench.py [--sizes 256 512] [--batch 9] [--device auto]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import torch

from dreamreel.core.engine.devices import format_bytes, pick_device
from dreamreel.core.engine.rife import IFNet, Rife


def pictures(size: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:size, 0:size]
    a = np.stack([x * 255 // size, y * 255 // size, (x + y) * 127 // size], -1).astype(np.uint8)
    return a, np.roll(a, size // 32, axis=1)


def peak_memory(device) -> int:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    ap.add_argument("--batch", type=int, default=9, help="in-betweens per call (9: 6 -> 60 fps)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args(argv)
    device = pick_device(args.device)
    torch.manual_seed(0)
    rife = Rife(IFNet(), device=device, batch=args.batch)
    print(f"RIFE 4.25 IFNet on {device.type} ({rife.dtype}), {torch.get_num_threads()} threads")
    for size in args.sizes:
        a, b = pictures(size)
        ts = np.arange(1, args.batch + 1) / (args.batch + 1)
        rife.frames(a, b, ts[:1])  # warm-up
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            rife.frames(a, b, ts[:1])
        one = (time.perf_counter() - t0) / args.repeat
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            rife.frames(a, b, ts)
        batch = (time.perf_counter() - t0) / args.repeat / len(ts)
        print(f"{size}x{size}: {1 / one:6.2f} frames/s one at a time, {1 / batch:6.2f} frames/s in batches of "
              f"{len(ts)}; 6 -> 60 fps costs {9 * batch:.2f} s per keyframe pair; "
              f"peak {'GPU' if device.type == 'cuda' else 'RSS'} {format_bytes(peak_memory(device))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
