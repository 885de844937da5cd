"""In-between maths: slerp/lerp endpoints, frame segments, block-start rounding."""

from __future__ import annotations

import numpy as np
import torch

from dreamreel.core.engine.interpolate import blend, frame_segments, keyframe_positions, lerp, slerp


def test_slerp_endpoints_are_exact_and_midpoint_keeps_norm():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(2, 4, 3, 3, generator=g), torch.randn(2, 4, 3, 3, generator=g)
    assert torch.equal(slerp(a, b, 0.0), a) and torch.equal(slerp(a, b, 1.0), b)
    a1, b1 = a[:1], a[:1] * 3  # parallel: falls back to lerp, no NaN
    assert torch.allclose(slerp(a1, b1, 0.5), a1 * 2)
    u, v = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
    mid = slerp(u, v, 0.5)
    assert torch.allclose(mid.norm(), torch.tensor(1.0)) and torch.allclose(mid, torch.tensor([[0.7071, 0.7071]]), atol=1e-4)
    assert torch.allclose(lerp(u, v, 0.25), torch.tensor([[0.75, 0.25]]))
    per_item = blend(a, b, torch.tensor([0.0, 1.0]), "slerp")
    assert torch.equal(per_item[0], a[0]) and torch.equal(per_item[1], b[1])


def test_frame_segments_hold_before_first_and_after_last():
    pos = np.array([2.0, 6.0, 10.0])
    lo, hi, frac = frame_segments(pos, np.arange(0, 13))
    assert list(lo[:3]) == [0, 0, 0] and list(frac[:3]) == [0, 0, 0]
    assert (lo[4], hi[4], frac[4]) == (0, 1, 0.5)
    assert (lo[6], frac[6]) == (1, 0.0)  # exactly on a keyframe
    assert list(lo[10:]) == [2, 2, 2] and list(frac[10:]) == [0, 0, 0]
    assert np.all((frac >= 0) & (frac <= 1))


def test_block_first_keyframes_land_on_rounded_frames():
    times = [0.0, 0.5, 1.04, 1.54, 1.56]  # blocks start at 0, 1.04 and 1.56
    firsts = [True, False, True, False, True]
    pos = keyframe_positions(times, firsts, fps=10)
    assert pos[2] == 10 and pos[4] == 16  # round(1.04*10), round(1.56*10)
    assert pos[3] == 15.4
    assert np.all(np.diff(pos) >= 0)
    lo, _, frac = frame_segments(pos, np.array([10, 16]))
    assert list(lo) == [2, 4] and list(frac) == [0, 0]


def _block_keyframes(blocks_ms, kps):
    """(times_s, firsts, starts_s) of blocks laid out like `schedule.keyframe_times_ms`."""
    times, firsts = [], []
    for a, b in blocks_ms:
        step, i = 1000.0 / kps, 0
        while a + int(round(i * step)) < b:
            times.append((a + int(round(i * step))) / 1000.0)
            firsts.append(i == 0)
            i += 1
    return times, firsts


def test_block_start_frame_shows_exactly_its_first_keyframe_even_after_late_keyframes():
    # Block a's last keyframe (1.005 s -> frame 24.12) lies past round(1.015*24) = 24.
    times, firsts = _block_keyframes([(5, 1015), (1015, 3000)], kps=10)
    pos = keyframe_positions(times, firsts, fps=24)
    b0 = firsts.index(True, 1)
    assert pos[b0] == 24 and np.all(np.diff(pos) >= 0)
    lo, hi, frac = frame_segments(pos, np.arange(0, 40))
    assert (lo[24], frac[24]) == (b0, 0.0)  # frame 24 is b#0, not block a
    assert lo[25] == b0 and hi[25] == b0 + 1 and 0 < frac[25] < 1
    assert np.all(lo[:24] < b0)


def test_block_start_rule_holds_for_many_rates_and_starts():
    for fps in (10, 24, 25, 30, 60):
        for kps in (2, 3, 7, 10, 15):
            for start in range(900, 1100, 7):
                times, firsts = _block_keyframes([(3, start), (start, start + 1500), (start + 1500, 4000)], kps)
                pos = keyframe_positions(times, firsts, fps)
                assert np.all(np.diff(pos) >= 0)
                block_no = np.cumsum(firsts) - 1
                for k in np.flatnonzero(firsts):
                    frame = int(round(times[k] * fps))
                    lo, _, frac = frame_segments(pos, np.array([frame]))
                    assert (lo[0], frac[0]) == (k, 0.0), (fps, kps, start, k)
                    if frame > 0:  # the frame before never shows this block's keyframes
                        lo, hi, frac = frame_segments(pos, np.array([frame - 1]))
                        assert block_no[lo[0]] < block_no[k]
