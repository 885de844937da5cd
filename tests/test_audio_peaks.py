"""Waveform peak pyramid: exact per-bin min/max/RMS, zoom-level choice, and the npz cache."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audio_synth import stereo, tone, write_wav
from dreamreel.core.audio import Audio, build_peaks, load_or_build_peaks
from dreamreel.core.audio import peaks as peaks_module

SR = 8000


@pytest.fixture(scope="module")
def signal():
    # An odd length so every level ends in a partial bin.
    return np.random.default_rng(3).uniform(-1, 1, 10_007).astype(np.float32)


def test_every_level_matches_the_samples_in_its_bins(signal):
    pyramid = build_peaks(Audio(signal, SR), base=16)
    assert pyramid.levels[0].samples_per_bin == 16
    for k, level in enumerate(pyramid.levels):
        spb = level.samples_per_bin
        assert spb == 16 * 2**k
        assert len(level) == -(-len(signal) // spb)
        for i in (0, len(level) // 2, len(level) - 1):
            chunk = signal[i * spb : (i + 1) * spb]
            assert level.min[i] == chunk.min() and level.max[i] == chunk.max()
            assert level.rms[i] == pytest.approx(np.sqrt(np.mean(chunk.astype(np.float64) ** 2)),
                                                 rel=1e-5)
    top = pyramid.levels[-1]
    assert len(top) == 1 and top.max[0] == signal.max() and top.min[0] == signal.min()


def test_full_level_zero_against_a_reshape(signal):
    pyramid = build_peaks(Audio(signal, SR), base=16)
    full = signal[: len(signal) // 16 * 16].reshape(-1, 16)
    assert np.array_equal(pyramid.levels[0].max[:-1], full.max(axis=1))
    assert np.array_equal(pyramid.levels[0].min[:-1], full.min(axis=1))


def test_stereo_is_mixed_before_peaks():
    left, right = tone(100, 0.5, SR, amplitude=0.8), np.zeros(4000, np.float32)
    pyramid = build_peaks(Audio(stereo(left, right), SR))
    assert pyramid.levels[-1].max[0] == pytest.approx(0.4, abs=1e-3)
    assert pyramid.n_samples == 4000 and pyramid.duration_s == 0.5


@settings(max_examples=60, deadline=None)
@given(
    start=st.floats(-1.0, 1.4),
    length=st.floats(0.0, 2.0),
    max_points=st.integers(1, 3000),
)
def test_for_range_never_exceeds_the_budget(signal, start, length, max_points):
    pyramid = build_peaks(Audio(signal, SR), base=16)
    times, mins, maxs = pyramid.for_range(start, start + length, max_points)
    assert len(times) == len(mins) == len(maxs) <= max_points
    assert np.all(mins <= maxs)
    if len(times) > 1:
        assert np.all(np.diff(times) > 0)


def test_for_range_picks_the_finest_level_that_fits(signal):
    pyramid = build_peaks(Audio(signal, SR), base=16)
    # 1 s at 8 kHz = 8000 samples: level 0 (16/bin) needs ~500 bins, level 2 (64/bin) ~125.
    times, mins, maxs = pyramid.for_range(0.25, 1.25, 200)
    k = pyramid.level_for(0.25, 1.25, 200)
    assert pyramid.levels[k].samples_per_bin == 64
    assert 120 <= len(times) <= 200
    assert times[0] <= 0.25 < times[0] + 64 / SR
    # The drawn maxima really are the maxima of the underlying samples.
    i = 10
    first = int(round(times[i] * SR))
    assert maxs[i] == signal[first : first + 64].max()
    # A generous budget returns the finest level.
    assert pyramid.level_for(0.25, 1.25, 10_000) == 0


def test_range_outside_the_audio_is_empty(signal):
    pyramid = build_peaks(Audio(signal, SR))
    times, mins, maxs = pyramid.for_range(5.0, 6.0, 100)
    assert len(times) == len(mins) == len(maxs) == 0


def test_cache_hit_does_not_decode(tmp_path, monkeypatch):
    song = write_wav(tmp_path / "song.wav", tone(300, 1.0, SR, amplitude=0.3), SR)
    cache = tmp_path / "cache"
    first = load_or_build_peaks(song, cache)
    assert len(list(cache.glob("*.npz"))) == 1

    def no_decode(*args, **kwargs):
        raise AssertionError("decoded although the peaks were cached")

    monkeypatch.setattr(peaks_module, "decode_audio", no_decode)
    second = load_or_build_peaks(song, cache)
    assert len(second.levels) == len(first.levels) and second.sample_rate == SR
    for a, b in zip(first.levels, second.levels):
        assert np.array_equal(a.max, b.max) and np.array_equal(a.rms, b.rms)
    # A different song (different bytes) misses the cache and must decode.
    other = write_wav(tmp_path / "other.wav", tone(500, 1.0, SR, amplitude=0.3), SR)
    with pytest.raises(AssertionError, match="decoded"):
        load_or_build_peaks(other, cache)


def test_damaged_cache_file_is_rebuilt(tmp_path):
    song = write_wav(tmp_path / "song.wav", tone(300, 0.5, SR, amplitude=0.3), SR)
    cache = tmp_path / "cache"
    load_or_build_peaks(song, cache)
    (cached,) = cache.glob("*.npz")
    cached.write_bytes(b"not a zip file")
    pyramid = load_or_build_peaks(song, cache)
    assert pyramid.levels[-1].max[0] == pytest.approx(0.3, abs=1e-3)
    assert cached.read_bytes()[:2] == b"PK"  # rewritten as a real npz
