"""Music drive functions on synthetic envelopes and on a real analysed click track."""

from __future__ import annotations

import numpy as np
import pytest

from audio_synth import click_track
from dreamreel.core.engine import music


def test_pacing_is_monotone_in_unit_range_and_lands_on_onsets():
    env_t = np.arange(0, 2.0, 0.01)
    onset = np.zeros_like(env_t)
    onset[[30, 130]] = 1.0  # hits at 0.30 s and 1.30 s
    frame_t = np.arange(0, 2.0, 0.02)
    keys = np.array([0.0, 1.0, 2.0])
    lo = np.minimum(np.searchsorted(keys, frame_t, side="right") - 1, 1)
    lo_t, hi_t = keys[lo], keys[lo + 1]
    clock = (frame_t - lo_t) / (hi_t - lo_t)
    paced = music.paced_fracs(frame_t, lo_t, hi_t, clock, env_t, onset, 1.0)
    assert paced.min() >= 0 and paced.max() <= 1
    for seg in (0, 1):
        p = paced[lo == seg]
        assert np.all(np.diff(p) >= -1e-12)
    # Before the hit the picture barely moves; just after it the transition is done.
    assert paced[np.isclose(frame_t, 0.26)] < 0.05 and paced[np.isclose(frame_t, 0.34)] > 0.95
    assert paced[np.isclose(frame_t, 1.26)] < 0.05 and paced[np.isclose(frame_t, 1.34)] > 0.95
    half = music.paced_fracs(frame_t, lo_t, hi_t, clock, env_t, onset, 0.5)
    assert np.allclose(half, 0.5 * clock + 0.5 * paced)
    assert np.array_equal(music.paced_fracs(frame_t, lo_t, hi_t, clock, env_t, onset, 0.0), clock)


def test_pacing_without_onsets_in_a_segment_follows_the_clock():
    env_t = np.arange(0, 2.0, 0.01)
    onset = np.zeros_like(env_t)
    onset[150] = 1.0  # only in the second second
    frame_t = np.array([0.25, 0.5, 0.75])
    clock = frame_t.copy()
    paced = music.paced_fracs(frame_t, np.zeros(3), np.ones(3), clock, env_t, onset, 1.0)
    assert np.allclose(paced, clock)


def test_kmeans_is_deterministic_and_finds_separated_clusters():
    rng = np.random.default_rng(3)
    centres = np.array([[0, 0], [10, 0], [0, 10]], float)
    x = np.concatenate([c + rng.normal(0, 0.5, (40, 2)) for c in centres])
    c1, l1 = music.kmeans(x, 3, seed=7)
    c2, l2 = music.kmeans(x, 3, seed=7)
    assert np.array_equal(c1, c2) and np.array_equal(l1, l2)
    for g in range(3):  # each true group maps to exactly one label
        assert len(set(l1[g * 40 : (g + 1) * 40])) == 1
    assert len(set(l1)) == 3
    for c in centres:
        assert np.min(np.linalg.norm(c1 - c, axis=1)) < 0.5


def test_kmeans_clusters_real_band_frames_of_two_sounds():
    from dreamreel.core.audio import analyze
    from dreamreel.core.audio.decode import Audio

    sr = 22050
    low = np.sin(2 * np.pi * 110 * np.arange(sr) / sr)
    high = np.sin(2 * np.pi * 3000 * np.arange(sr) / sr)
    samples = (0.5 * np.concatenate([low, high, low])).astype(np.float32)
    a = analyze(Audio(samples, sr))
    _, labels = music.kmeans(music.band_features(a.bands), 2, seed=0)
    at = music.labels_at(np.array([0.5, 1.5, 2.5]), a.times, labels)
    assert at[0] == at[2] != at[1]


def test_effort_scales_with_loudness_and_zero_strength_is_off():
    env_t = np.arange(0, 4.0, 0.01)
    rms = np.where(env_t < 2.0, 0.01, 0.8)
    onset = np.where((env_t > 3.0) & (env_t < 3.05), 1.0, 0.0)
    f = music.effort_factors([0.5, 2.5, 3.0], env_t, rms, onset, 1.0, 0.5)
    assert f[0] < 0.2 and f[0] < f[1] < f[2] <= 2.0
    assert np.array_equal(music.effort_factors([0.5, 2.5], env_t, rms, onset, 0.0, 0.5), [1.0, 1.0])


def test_pulse_peaks_on_beats_and_decays():
    _, beats = click_track(120, 3.0, 8000)
    t = np.arange(0, 3.0, 0.01)
    env = music.pulse_envelope(t, beats)
    assert env.max() <= 1.0 and env[t < beats[0] - 1e-9].max(initial=0) == 0
    for b in beats:
        i = np.argmin(np.abs(t - b))
        if t[i] >= b:
            assert env[i] > 0.9
            assert env[min(i + 30, len(t) - 1)] < 0.2 or i + 30 >= len(t)


def test_apply_pulse_zooms_and_brightens():
    frame = np.zeros((32, 32, 3), np.uint8)
    frame[8:24, 8:24] = 100
    out = music.apply_pulse(frame, 1.0, zoom=0.5, brighten=0.2)
    assert out.shape == frame.shape
    assert (out > 50).sum() > (frame > 50).sum()  # the square grew
    assert out.max() > 100  # and brightened
    assert music.apply_pulse(frame, 0.0) is frame


@pytest.mark.parametrize("fps", [2, 30])
def test_spring_follows_target_with_inertia_and_stays_stable(fps):
    s = music.SpringFollower(np.zeros(2), frequency_hz=1.0, damping=0.5)
    target = np.array([1.0, -1.0])
    xs = [s.step(target, 1.0 / fps)[0] for _ in range(fps * 6)]
    assert max(xs) > 1.0  # overshoot: inertia
    assert abs(xs[-1] - 1.0) < 0.05  # settles
