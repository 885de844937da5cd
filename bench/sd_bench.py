"""SD engine benchmark: seconds per keyframe, ours vs diffusers' stock pipeline call, and the
per-frame cost of the whole path (keyframe + RIFE in-betweens + encode).

Both sides use the same tiny random-weight pipeline the tests build (tests/tiny_sd.py, loaded
through `from_pretrained`), the same prompt, seed, size and steps, in one run: (a) the stock
`pipe(prompt, ...)` call to a picture, (b) `SdEngine.keyframe` + `decode` (text embeddings
cached per engine, latents straight to the VAE). Then a 2-second project at the default SD
recipe (6 keyframes/s, RIFE to 60 fps, random RIFE weights) is rendered and timed per stage.
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
    for _ in range(repeat):  # interleaved so load changes hit both sides alike
        for name, fn in (("stock", stock), ("ours", ours)):
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    a, b = min(times["stock"]), min(times["ours"])
    print(f"keyframe {size}x{size}, {steps} step(s), tiny UNet, CPU fp32, {torch.get_num_threads()} threads "
          f"(best of {repeat}):")
    print(f"  (a) diffusers pipe(prompt) -> picture : {a:.4f} s/keyframe")
    print(f"  (b) SdEngine.keyframe + decode      : {b:.4f} s/keyframe  ({a / b:.2f}x the stock speed)")


def whole_path(folder: Path, size: int, seconds: float) -> None:
    from dreamreel.core.engine.cache import KeyframeCache
    from dreamreel.core.engine.frames import iter_frames
    from dreamreel.core.engine.render import render_keyframes
    from dreamreel.core.engine.rife import IFNet, Rife
    from dreamreel.core.engine.sd import SdEngine
    from dreamreel.core.export import encode_mp4
    from dreamreel.core.project import Block, Project
    from types import SimpleNamespace

    ms = int(seconds * 1000)
    project = Project(blocks=[Block("a lighthouse in a violet storm", 0, ms // 2, id="b0"),
                              Block("waves of amber light", ms // 2, ms, id="b1")])
    r = project.render
    r.width = r.height = size
    r.fps, r.keyframes_per_second, r.interpolation = 60, 6.0, "rife"
    settings = SimpleNamespace(sd_model=str(folder), sd_config="", lora="", guidance_scale=0.0, schedule_steps=4)
    engine = SdEngine.from_settings(settings, device="cpu")
    torch.manual_seed(0)
    rife = Rife(IFNet(), batch=9)
    with tempfile.TemporaryDirectory() as tmp:
        project.path = Path(tmp) / "p.dreamreel"
        cache = KeyframeCache(Path(tmp) / "cache")
        t0 = time.perf_counter()
        plan = render_keyframes(project, _Steps(engine, 1, 2), cache)
        t1 = time.perf_counter()
        frames = [img for _, img in iter_frames(project, engine, cache, plan, rife=rife, burn_lyrics=False)]
        t2 = time.perf_counter()
        encode_mp4(iter(frames), Path(tmp) / "o.mp4", width=size, height=size, fps=r.fps, n_frames=len(frames))
        t3 = time.perf_counter()
    n, k = len(frames), len(plan.keyframes)
    print(f"whole path, {seconds:g} s at {size}x{size}: {k} keyframes (6/s, 1 step first, 2 of 4 warm), "
          f"{n} frames (RIFE to 60 fps)")
    print(f"  keyframes {t1 - t0:.2f} s ({(t1 - t0) / k:.3f} s/keyframe), in-betweens {t2 - t1:.2f} s "
          f"({n / (t2 - t1):.1f} frames/s), encode {t3 - t2:.2f} s")
    print(f"  per output frame: {(t3 - t0) / n * 1000:.1f} ms")


class _Steps:
    """The engine with the SD default recipe's steps (the Project's iteration fields are VQGAN's
    until the registry gives each engine its own)."""

    def __init__(self, engine, first: int, warm: int):
        self.engine, self.first, self.warm = engine, first, warm
        self.name = engine.name

    def identity(self):
        return self.engine.identity()

    def random_latent(self, spec):
        return self.engine.random_latent(spec)

    def keyframe(self, spec, init, callback=None):
        from dataclasses import replace

        steps = self.first if spec.init_key is None else self.warm
        return self.engine.keyframe(replace(spec, iterations=steps), init, callback)

    def decode(self, z):
        return self.engine.decode(z)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_tiny_sd(Path(tmp) / "tiny-sd")
        stock_vs_ours(folder, args.size, args.steps, args.repeat)
        whole_path(folder, args.size, args.seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
