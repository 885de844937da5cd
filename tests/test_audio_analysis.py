"""Analysis accuracy on synthesised audio: tempo, beats, onsets, bands, envelopes, cache."""

from __future__ import annotations

import numpy as np
import pytest

from audio_synth import click, click_track, drum_loop, place, stereo, tone, write_wav
from dreamreel.core.audio import Audio, analyze, envelope_at, load_or_analyze
from dreamreel.core.audio import analysis as analysis_module

SR = 22050


def beat_hit_rate(found: np.ndarray, truth: np.ndarray, tolerance_s: float = 0.03) -> float:
    """Share of true beats with a found beat within `tolerance_s`."""
    if len(found) == 0:
        return 0.0
    return float(np.mean([np.min(np.abs(found - t)) <= tolerance_s for t in truth]))


@pytest.mark.parametrize("bpm", [120, 87, 174])
@pytest.mark.parametrize("kind", ["noise", "pip"])
def test_click_track_tempo_and_beats(bpm, kind):
    samples, truth = click_track(bpm, 30.0, SR, noise=0.01, offset_s=0.237,
                                 tone_hz=1500.0 if kind == "pip" else None, seed=bpm)
    result = analyze(Audio(samples, SR))
    # Within 1 BPM: 87 reported as 174 (or 174 as 87) fails here, as it should.
    assert result.tempo_bpm == pytest.approx(bpm, abs=1.0)
    assert beat_hit_rate(result.beats, truth) >= 0.95
    # No invented beats either: about one found beat per true beat.
    assert abs(len(result.beats) - len(truth)) <= 0.05 * len(truth)


@pytest.mark.parametrize("bpm", [81, 92, 100, 128])
def test_drum_loop_with_eighth_note_hats_is_not_doubled(bpm):
    samples, truth = drum_loop(bpm, 30.0, SR, seed=bpm)
    result = analyze(Audio(samples, SR))
    assert result.tempo_bpm == pytest.approx(bpm, abs=1.0)
    assert beat_hit_rate(result.beats, truth) >= 0.95


def test_accented_track_in_stereo_at_44k_is_resampled_and_tracked():
    samples, truth = click_track(120, 30.0, 44100, accent_gain=1.0, beat_gain=0.3, noise=0.02)
    hum = tone(110.0, 30.0, 44100, amplitude=0.1)
    result = analyze(Audio(stereo(samples, hum), 44100))
    assert result.params.sample_rate == SR
    assert result.duration_s == pytest.approx(30.0, abs=0.01)
    assert result.tempo_bpm == pytest.approx(120, abs=1.0)
    assert beat_hit_rate(result.beats, truth) >= 0.95


def test_isolated_clicks_are_found_within_20ms():
    times = np.array([0.5, 1.31, 2.07, 2.6, 3.93, 4.4, 5.77, 6.05, 7.5])
    gains = np.array([1.0, 0.5, 0.8, 0.3, 1.0, 0.6, 0.9, 0.4, 0.7])
    samples = np.zeros(8 * SR, np.float32)
    place(samples, click(SR, seed=7), times, SR, gains)
    samples += 0.003 * np.random.default_rng(1).standard_normal(len(samples)).astype(np.float32)
    onsets = analyze(Audio(samples, SR)).onsets
    assert len(onsets) == len(times)
    assert np.max(np.abs(onsets - times)) <= 0.02


def test_frames_times_rms_and_shapes():
    quiet_then_loud = np.concatenate([tone(440, 2.0, SR, amplitude=0.05),
                                      tone(440, 2.0, SR, amplitude=0.5)])
    result = analyze(Audio(quiet_then_loud, SR), n_bands=16)
    n = len(result.times)
    assert result.hop_s == pytest.approx(512 / SR)
    assert n == 1 + len(quiet_then_loud) // 512
    assert np.allclose(np.diff(result.times), result.hop_s)
    assert result.rms.shape == result.onset_strength.shape == (n,)
    assert result.bands.shape == (n, 16) and result.bands.dtype == np.float32
    quiet = result.rms[(result.times > 0.3) & (result.times < 1.7)]
    loud = result.rms[(result.times > 2.3) & (result.times < 3.7)]
    # The (unwindowed) frame RMS of a steady sine is amplitude / sqrt(2).
    assert np.median(quiet) == pytest.approx(0.05 / np.sqrt(2), rel=0.05)
    assert np.median(loud) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_band_energy_sits_in_the_band_of_the_tone():
    result = analyze(Audio(tone(1000.0, 2.0, SR), SR))
    edges = result.band_edges_hz
    expected = int(np.searchsorted(edges, 1000.0) - 1)
    assert np.argmax(result.bands[20:-20].mean(axis=0)) == expected
    assert edges[0] == pytest.approx(40.0) and edges[-1] == pytest.approx(SR / 2)


def test_silence_has_no_tempo_beats_or_onsets():
    result = analyze(Audio(np.zeros(3 * SR, np.float32), SR))
    assert result.tempo_bpm == 0.0
    assert len(result.beats) == 0 and len(result.onsets) == 0
    assert np.all(envelope_at(result, "rms", [0.0, 1.0]) == 0.0)


def test_envelope_at_interpolates_and_normalises():
    samples, truth = click_track(100, 6.0, SR)
    result = analyze(Audio(samples, SR))
    peak_frame = int(np.argmax(result.onset_strength))
    t_peak = result.times[peak_frame]
    values = envelope_at(result, "onset_strength", [t_peak, -5.0, 99.0])
    assert values[0] == pytest.approx(1.0)
    assert np.all((values >= 0) & (values <= 1))
    mid = 0.5 * (result.times[3] + result.times[4])
    expected = 0.5 * (result.rms[3] + result.rms[4]) / result.rms.max()
    assert envelope_at(result, "rms", mid) == pytest.approx(expected, rel=1e-5)
    assert envelope_at(result, "band:0", [1.0]).shape == (1,)
    with pytest.raises(ValueError):
        envelope_at(result, "loudness", [0.0])


def test_load_or_analyze_caches_by_hash_and_params(tmp_path, monkeypatch):
    samples, _ = click_track(120, 8.0, SR)
    song = write_wav(tmp_path / "song.wav", samples, SR)
    cache = tmp_path / "cache"
    first = load_or_analyze(song, cache)
    real_decode = analysis_module.decode_audio
    calls = []

    def counting_decode(*args, **kwargs):
        calls.append(args)
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(analysis_module, "decode_audio", counting_decode)
    second = load_or_analyze(song, cache)
    assert calls == []
    assert second.tempo_bpm == first.tempo_bpm
    assert np.array_equal(second.beats, first.beats)
    assert np.array_equal(second.bands, first.bands)
    assert second.hop_s == first.hop_s and second.duration_s == first.duration_s
    # Other parameters are another cache entry, computed once.
    other = load_or_analyze(song, cache, analysis_module.AnalysisParams(n_bands=8))
    assert len(calls) == 1 and other.bands.shape[1] == 8
    assert len(list(cache.glob("*.npz"))) == 2
