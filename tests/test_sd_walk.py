"""SD's latent walk (`--interpolation latent`), as stable-diffusion-videos makes in-betweens:
each one denoised from the slerp of its two keyframes' noise with the lerp of their prompt
embeddings. Through the real render path (plan, keyframes, `iter_frames`) on the tiny model."""

from __future__ import annotations

from argparse import Namespace

import numpy as np
import pytest
import torch

from dreamreel.core.engine import registry
from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.frames import segments, walk_todo
from dreamreel.core.engine.interpolate import inbetween_key
from dreamreel.core.engine.render import iter_frames, plan_render, render_keyframes
from test_render_support import make_project
from tiny_sd import make_tiny_sd


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    return make_tiny_sd(tmp_path_factory.mktemp("sd") / "tiny-sd")


def sd_project(tmp_path, folder, seed=0):
    p = make_project(tmp_path, seconds=1.5, size=32, fps=6, kps=2.0,
                     blocks=[("red fire", 0.0, 0.8), ("ocean blue", 0.8, 1.5)])
    r = p.render
    r.engine, r.seed, r.interpolation = "sd", seed, "latent"
    r.update_engine("sd", sd_model=str(folder), iterations_first=2, iterations=2, schedule_steps=4)
    return p


def frames_of(p, engine, cache):
    plan = plan_render(p, engine, cache)
    render_keyframes(p, engine, cache, plan=plan)
    return plan, np.stack([img for _, img in iter_frames(p, engine, cache, plan, burn_lyrics=False)])


def test_walk_lands_on_each_keyframe_and_denoises_the_in_betweens(tmp_path, tiny_folder):
    p = sd_project(tmp_path / "a", tiny_folder)
    engine = registry.get("sd").load(p.render, "cpu")
    cache = KeyframeCache(tmp_path / "cache")
    plan, video = frames_of(p, engine, cache)
    kfs = plan.keyframes
    _, lo, hi, frac = segments(kfs, plan.fps, 0, plan.n_frames)
    assert (frac == 0).sum() >= 3 and ((frac > 0) & (frac < 1)).sum() >= 4
    walked = []
    for n, (i, h, f) in enumerate(zip(lo, hi, frac)):
        if f == 0:  # the frame at a keyframe time is that keyframe, exactly
            assert np.array_equal(video[n], engine.decode(cache.get(kfs[i].key))[0])
            continue
        key = inbetween_key(kfs[i].key, kfs[h].key, f, engine.walk_version)
        z = cache.get(key)  # held in the cache by key, like keyframes
        assert z is not None
        init = None if kfs[h].spec.init_key is None else cache.get(kfs[h].spec.init_key)
        assert torch.equal(z, engine.latent_walk(kfs[i].spec, kfs[h].spec, init, f))  # denoised, not blended
        linear = engine.decode(0.5 * (cache.get(kfs[i].key) + cache.get(kfs[h].key)))[0]
        assert not np.array_equal(video[n], linear)
        for k in (i, h):  # differs from both keyframes
            assert np.abs(video[n].astype(int) - engine.decode(cache.get(kfs[k].key))[0]).mean() > 0.5
        walked.append(key)
    assert set(walked) <= set(cache.keys())

    # What is left to denoise (the CLI's estimate): all of them on a cache of keyframes only, none after.
    assert walk_todo(p, plan, cache, engine.walk_version)[0] == 0
    fresh = KeyframeCache(tmp_path / "cache2")
    render_keyframes(p, engine, fresh, plan=plan_render(p, engine, fresh))
    n, steps = walk_todo(p, plan, fresh, engine.walk_version)
    assert n == len(set(walked)) and n <= steps <= 2 * n

    # Deterministic with the seed: a fresh cache makes the same frames; another seed others.
    _, again = frames_of(p, engine, fresh)
    assert np.array_equal(again, video)
    q = sd_project(tmp_path / "b", tiny_folder, seed=5)
    _, other = frames_of(q, engine, KeyframeCache(tmp_path / "cache3"))
    between = frac > 0
    assert not np.array_equal(other[between], video[between])

    # A second export reads the in-betweens from the cache: nothing is denoised again.
    engine.latent_walk = lambda *a: pytest.fail("in-between denoised again")
    try:
        _, cached = frames_of(p, engine, cache)
    finally:
        del engine.latent_walk
    assert np.array_equal(cached, video)


def test_walk_ends_are_the_keyframes_bit_for_bit(tiny_folder):
    from dreamreel.core.engine.base import KeyframeSpec, WeightedPrompt

    from types import SimpleNamespace

    from dreamreel.core.engine.sd import SdEngine

    engine = SdEngine.from_settings(SimpleNamespace(sd_model=str(tiny_folder), sd_config="", lora="",
                                                    guidance_scale=0.0, schedule_steps=4), device="cpu")
    a = KeyframeSpec((WeightedPrompt("red fire", 1.0),), 32, 32, 7, 2)
    za = engine.keyframe(a, engine.random_latent(a))
    warm = KeyframeSpec((WeightedPrompt("blue sea", 1.0),), 32, 32, 9, 3, init_key="ab" * 32)
    zw = engine.keyframe(warm, za)
    assert torch.equal(engine.latent_walk(a, warm, za, 1.0), zw)  # t = 1: the warm keyframe
    assert torch.equal(engine.latent_walk(a, warm, za, 0.1), za)  # round(0.1 x 3) = 0 steps: its init
    fresh = KeyframeSpec((WeightedPrompt("green hills", 1.0),), 32, 32, 11, 2)
    zf = engine.keyframe(fresh, engine.random_latent(fresh))
    assert torch.equal(engine.latent_walk(a, fresh, None, 1.0), zf)
    assert torch.equal(engine.latent_walk(a, fresh, None, 0.0), za)  # same steps: a's own denoise


def test_cli_interpolation_latent_is_the_walk_for_sd_and_blends_for_others(tmp_path, tiny_folder):
    from dreamreel.core.cli.render_cmd import _apply_overrides

    def applied(engine, project_interp):
        p = make_project(tmp_path, save=False)
        p.render.interpolation = project_interp
        args = Namespace(engine=engine, fps=None, size=None, device=None, interpolation="latent",
                         engine_settings=[], vqgan_config=None, vqgan_ckpt=None, clip_ckpt=None, sd_model=None)
        _apply_overrides(p, args)
        return p.render.interpolation

    assert applied("sd", "rife") == "latent"
    assert applied("draft", "slerp") == "slerp" and applied("draft", "rife") == "linear"


def test_cli_dry_run_counts_the_in_betweens_the_walk_will_denoise(tmp_path, tiny_folder, capsys):
    from dreamreel.core.cli.main import main
    from dreamreel.core.project import save_project

    p = sd_project(tmp_path, tiny_folder)
    save_project(p, tmp_path / "p.dreamreel")
    assert main(["render", str(tmp_path / "p.dreamreel"), "--dry-run", "--quiet"]) == 0
    err = capsys.readouterr().err
    line = [x for x in err.splitlines() if x.startswith("latent walk:")]
    assert len(line) == 1 and " in-betweens to denoise (" in line[0] and "about" in line[0], err
    assert int(line[0].split()[2]) >= 4
