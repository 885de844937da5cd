"""RIFE (IFNet 4.25) with random weights: loading, shapes, exact keyframes, cuts, the render stage."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.rife import IFNet, Rife, RifeFrames, load_ifnet, scene_change
from dreamreel.core.errors import DreamreelError


def write_random_rife(path, seed: int = 0, prefix: str = ""):
    """A random-weight IFNet saved like Practical-RIFE's flownet.pkl (or as safetensors)."""
    torch.manual_seed(seed)
    state = {prefix + k: v.clone() for k, v in IFNet().state_dict().items()}
    if str(path).endswith(".safetensors"):
        from safetensors.torch import save_file

        save_file(state, str(path))
    else:
        torch.save(state, path)
    return path


def pictures(h=40, w=56, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    shifted = np.roll(base, 3, axis=1)  # a small motion: no scene cut
    return base, shifted


def test_weights_from_pkl_with_module_prefix_and_safetensors_agree(tmp_path):
    a, b = pictures()
    pkl = write_random_rife(tmp_path / "flownet.pkl", prefix="module.")
    st = write_random_rife(tmp_path / "rife.safetensors")
    ts = [0.25, 0.5]
    out_pkl, out_st = Rife.from_file(pkl).frames(a, b, ts), Rife.from_file(st).frames(a, b, ts)
    assert out_pkl.shape == (2, 40, 56, 3) and out_pkl.dtype == np.uint8
    assert np.array_equal(out_pkl, out_st)
    other = Rife.from_file(write_random_rife(tmp_path / "other.pth", seed=1)).frames(a, b, ts)
    assert not np.array_equal(out_pkl, other)  # the weights are really used


def test_refuses_pickled_code_and_foreign_weights_in_one_line(tmp_path):
    import pickle

    class Boom:
        def __reduce__(self):
            return (print, ("pwned",))

    evil = tmp_path / "evil.pth"
    evil.write_bytes(pickle.dumps({"x": Boom()}))
    with pytest.raises(DreamreelError, match="refused by the safe loader"):
        load_ifnet(evil)
    wrong = tmp_path / "wrong.pth"
    torch.save({"block0.conv0.0.0.weight": torch.zeros(1)}, wrong)
    with pytest.raises(DreamreelError, match=r"not RIFE 4\.25 weights"):
        load_ifnet(wrong)
    with pytest.raises(DreamreelError, match="models download rife"):
        load_ifnet(tmp_path / "absent.pth")


def test_exact_inputs_at_t0_and_t1_and_shapes_for_batches(tmp_path):
    a, b = pictures(h=70, w=34)  # neither a multiple of the 64 padding
    rife = Rife.from_file(write_random_rife(tmp_path / "r.pth"), batch=2)
    out = rife.frames(a, b, [0.0, 0.1, 0.5, 0.9, 1.0])
    assert out.shape == (5, 70, 34, 3)
    assert np.array_equal(out[0], a) and np.array_equal(out[-1], b)
    assert not np.array_equal(out[2], a) and not np.array_equal(out[2], b)
    # One time at a time gives the same pictures as a batch.
    assert np.array_equal(rife.frames(a, b, [0.5])[0], out[2])
    with pytest.raises(DreamreelError, match="one size"):
        rife.frames(a, b[:10], [0.5])


def test_scene_change_tells_a_cut_from_motion():
    a, b = pictures(h=96, w=96)
    smooth = np.tile(np.linspace(0, 255, 96, dtype=np.uint8)[None, :, None], (96, 1, 3))
    assert scene_change(smooth, np.roll(smooth, 2, axis=1)) < 0.1
    assert scene_change(smooth, smooth) == pytest.approx(0.0, abs=1e-6)
    assert scene_change(smooth, 255 - smooth) > 0.8


class _Kf:
    def __init__(self, init_key):
        self.spec = type("S", (), {"init_key": init_key})()


def test_rife_frames_hold_across_cuts_and_show_keyframes_exactly(tmp_path):
    rife = Rife.from_file(write_random_rife(tmp_path / "r.pth"))
    smooth = np.tile(np.linspace(0, 255, 64, dtype=np.uint8)[None, :, None], (64, 1, 3))
    pics = {0: smooth, 1: np.roll(smooth, 2, axis=1), 2: 255 - smooth, 3: np.roll(smooth, 4, axis=1)}
    # 0 -> 1 warm start (blend), 1 -> 2 warm but unrelated (scene cut), 2 -> 3 a random start (cut).
    kfs = [_Kf(None), _Kf("k0"), _Kf("k1"), _Kf(None)]
    stage = RifeFrames(rife, kfs, lambda i: pics[i])
    lo, hi = np.array([0, 0, 1, 1, 2, 2, 3]), np.array([1, 1, 2, 2, 3, 3, 3])
    frac = np.array([0.0, 0.5, 0.0, 0.5, 0.5, 1.0, 0.0])
    out = RifeFrames.as_uint8(stage.pictures(lo, hi, frac))
    assert np.array_equal(out[0], pics[0]) and np.array_equal(out[2], pics[1])
    assert not np.array_equal(out[1], pics[0]) and not np.array_equal(out[1], pics[1])  # blended
    assert np.array_equal(out[3], pics[1])  # held across the scene cut
    assert np.array_equal(out[4], pics[2])  # held into the random start
    assert np.array_equal(out[5], pics[3]) and np.array_equal(out[6], pics[3])


def test_render_with_rife_in_betweens_lands_on_keyframes_and_cuts_per_block(tmp_path, monkeypatch):
    from dreamreel.core.engine.models import models_dir
    from dreamreel.core.engine.render import iter_frames, render_keyframes
    from test_render_support import counting_draft, make_project

    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path / "models"))
    models_dir().mkdir(parents=True)
    write_random_rife(models_dir() / "rife425.pth")
    p = make_project(tmp_path, blocks=[("red fire", 0.0, 1.0), ("blue ocean", 1.0, 3.0)])
    p.render.interpolation, p.render.continuity = "rife", "per-block"
    engine, cache = counting_draft(), KeyframeCache(tmp_path / "cache")
    plan = render_keyframes(p, engine, cache)
    frames = dict(iter_frames(p, engine, cache, plan, burn_lyrics=False))
    assert sorted(frames) == list(range(30))
    first_b = next(k for k in plan.keyframes if k.block_id == "b1")
    last_a = [k for k in plan.keyframes if k.block_id == "b0"][-1]
    pic = lambda k: engine.decode(cache.get(k.key))[0]  # noqa: E731
    body = (slice(32, None), slice(0, 32))  # away from the draft mark
    assert np.array_equal(frames[10][body], pic(first_b)[body])  # block start: its first keyframe
    # Per-block continuity: the frames before b's start hold a's last keyframe (no morph).
    for f in range(int(last_a.t_ms / 100), 10):
        assert np.array_equal(frames[f][body], pic(last_a)[body])
    # Inside a block the network blends: frame 11 is neither of its keyframes.
    second_b = next(k for k in plan.keyframes if k.block_id == "b1" and k.index == 1)
    assert not np.array_equal(frames[11][body], pic(first_b)[body])
    assert not np.array_equal(frames[11][body], pic(second_b)[body])

