"""SD engine benchmark: seconds per keyframe, ours vs diffusers' stock pipeline call, and the
per-frame cost of the whole path (keyframe + RIFE in-betweens + encode).

Both sides use the same tiny random-weight pipeline the tests build (tests/tiny_sd.py, loaded
through `from_pretrained`), the same prompt, seed, size and steps, in one run: (a) the stock
`pipe(prompt, ...)` call to a picture, (b) `SdEngine.keyframe` + `decode` (text embeddings
cached per engine, latents straight to the VAE), medians of interleaved runs. Then a 2-second
project at the default SD recipe (6 keyframes/s, RIFE to 60 fps, random RIFE weights) is rendered
and timed per stage, and its in-betweens again through the latent walk.
Figures on a tiny model show the overhead around the networks, not real-model speed:

    .venv/bin/python bench/sd_bench.py [--size 128] [--steps 1] [--repeat 3] [--seconds 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from tiny_sd import make_tiny_sd  # noqa: E402

PROMPT = "a lighthouse in a violet storm, oil painting"


def stock_vs_ours(folder: Path, size: int, steps: int, repeat: int) -> None:
    from types import SimpleNamespace

    from dreamreel.core.engine.base import KeyframeSpec, WeightedPrompt
    from dreamreel.core.engine.sd import SdEngine, load_pipeline
    from dreamreel.core.engine.sd_models import SdSource

    pipe = load_pipeline(SdSource("folder", folder, folder.name), torch.float32)
    pipe.set_progress_bar_config(disable=True)
    settings = SimpleNamespace(sd_model=str(folder), sd_config="", lora="", guidance_scale=0.0, schedule_steps=4)
    engine = SdEngine.from_settings(settings, device="cpu")
    spec = KeyframeSpec((WeightedPrompt(PROMPT, 1.0),), size, size, seed=3, iterations=steps)

    def stock():
        gen = torch.Generator().manual_seed(spec.seed)
        return pipe(PROMPT, num_inference_steps=steps, guidance_scale=0.0, height=size, width=size,
                    generator=gen, output_type="np").images

    def ours():
        return engine.decode(engine.keyframe(spec, engine.random_latent(spec)))

    stock(), ours()  # warm-up (allocator, first-call paths)
    times = {"stock": [], "ours": []}
    cpu = {"stock": [], "ours": []}
    for _ in range(repeat):  # interleaved so load changes hit both sides alike
        for name, fn in (("stock", stock), ("ours", ours)):
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    import statistics

    med = {k: statistics.median(v) for k, v in times.items()}
    cmed = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"keyframe {size}x{size}, {steps} step(s), tiny UNet, CPU fp32, {torch.get_num_threads()} threads "
          f"(median of {repeat}, interleaved; wall clock and this process's CPU time, which other "
          f"processes on a shared CPU disturb less):")
    for name, label in (("stock", "(a) diffusers pipe(prompt) -> picture"), ("ours", "(b) SdEngine.keyframe + decode     ")):
        print(f"  {label}: {med[name]:.4f} s/keyframe wall (best {min(times[name]):.4f}), "
              f"{cmed[name]:.4f} s CPU")
    print(f"  ours at {med['stock'] / med['ours']:.2f}x the stock speed (wall), {cmed['stock'] / cmed['ours']:.2f}x (CPU)")


def whole_path(folder: Path, size: int, seconds: float, walk: bool) -> None:
    from dreamreel.core.engine import registry
    from dreamreel.core.engine.cache import KeyframeCache
    from dreamreel.core.engine.frames import iter_frames
    from dreamreel.core.engine.render import plan_render, render_keyframes
    from dreamreel.core.engine.rife import IFNet, Rife
    from dreamreel.core.export import encode_mp4
    from dreamreel.core.project import Block, Project

    ms = int(seconds * 1000)
    project = Project(blocks=[Block("a lighthouse in a violet storm", 0, ms // 2, id="b0"),
                              Block("waves of amber light", ms // 2, ms, id="b1")])
    r = project.render
    r.width = r.height = size
    r.fps, r.keyframes_per_second, r.engine = 60, 6.0, "sd"  # interpolation "auto": RIFE, SD's default
    r.update_engine("sd", sd_model=str(folder), iterations_first=1, iterations=2, schedule_steps=4)
    engine = registry.get("sd").load(r, "cpu")
    torch.manual_seed(0)
    rife = Rife(IFNet(), batch=9)
    with tempfile.TemporaryDirectory() as tmp:
        project.path = Path(tmp) / "p.dreamreel"
        cache = KeyframeCache(Path(tmp) / "cache")
        t0 = time.perf_counter()
        plan = render_keyframes(project, engine, cache)
        t1 = time.perf_counter()
        frames = [img for _, img in iter_frames(project, engine, cache, plan, rife=rife, burn_lyrics=False)]
        t2 = time.perf_counter()
        encode_mp4(iter(frames), Path(tmp) / "o.mp4", width=size, height=size, fps=r.fps, n_frames=len(frames))
        t3 = time.perf_counter()
        n, k = len(frames), len(plan.keyframes)
        print(f"whole path, {seconds:g} s at {size}x{size}: {k} keyframes (6/s, 1 step first, 2 of 4 warm), "
              f"{n} frames (RIFE to 60 fps, random weights)")
        print(f"  keyframes {t1 - t0:.2f} s ({(t1 - t0) / k:.3f} s/keyframe), in-betweens {t2 - t1:.2f} s "
              f"({n / (t2 - t1):.1f} frames/s), encode {t3 - t2:.2f} s")
        print(f"  per output frame: {(t3 - t0) / n * 1000:.1f} ms (keyframe {(t1 - t0) / n * 1000:.1f} + "
              f"RIFE {(t2 - t1) / n * 1000:.1f} + encode {(t3 - t2) / n * 1000:.1f})")
        if walk:  # the same keyframes (cached), in-betweens denoised by the latent walk instead
            r.interpolation = "latent"
            plan = plan_render(project, engine, cache)
            t4 = time.perf_counter()
            frames = [img for _, img in iter_frames(project, engine, cache, plan, burn_lyrics=False)]
            t5 = time.perf_counter()
            print(f"  latent walk in-betweens instead: {t5 - t4:.2f} s ({(t5 - t4) / n * 1000:.1f} ms/frame, "
                  f"{n / (t5 - t4):.1f} frames/s)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--no-walk", action="store_true", help="skip timing the latent walk's in-betweens")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--no-whole", action="store_true", help="only ours vs stock")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_tiny_sd(Path(tmp) / "tiny-sd")
        stock_vs_ours(folder, args.size, args.steps, args.repeat)
        if not args.no_whole:
            whole_path(folder, args.size, args.seconds, not args.no_walk)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
