"""Frame features from a chunked STFT: RMS, onset strength (spectral flux) and band energies.

Frame i is centred on sample i * hop (the signal is zero-padded by n_fft // 2 at both ends),
so its time is i * hop / sample_rate. The STFT runs over blocks of frames in float32 so a long
song never holds its whole spectrogram in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_FRAMES_PER_CHUNK = 1024
_LOG_GAIN = 1000.0  # log(1 + gain*|X|): compresses so quiet hits still register as onsets


@dataclass
class FrameFeatures:
    """Per-frame features; every array has one row per frame."""

    rms: np.ndarray  # (n,) float32, RMS of the windowed frame's samples
    onset_strength: np.ndarray  # (n,) float32, half-wave rectified log band flux
    bands: np.ndarray  # (n, n_bands) float32, mean power per log-spaced band
    band_edges_hz: np.ndarray  # (n_bands + 1,)


def band_edges(sample_rate: int, n_fft: int, n_bands: int, fmin: float) -> np.ndarray:
    """Log-spaced band edges from `fmin` to Nyquist, widened so no band is empty of FFT bins."""
    nyquist = sample_rate / 2
    edges = np.geomspace(fmin, nyquist, n_bands + 1)
    bin_hz = sample_rate / n_fft
    for i in range(1, len(edges)):
        edges[i] = max(edges[i], edges[i - 1] + bin_hz)  # at least one bin per band
    edges[-1] = max(edges[-1], nyquist)
    return edges


def _band_matrix(sample_rate: int, n_fft: int, edges: np.ndarray) -> np.ndarray:
    """(n_bins, n_bands) averaging matrix: column b is 1/count on bins inside band b."""
    freqs = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    m = np.zeros((len(freqs), len(edges) - 1), np.float32)
    for b in range(len(edges) - 1):
        inside = (freqs >= edges[b]) & (freqs < edges[b + 1])
        if b == len(edges) - 2:
            inside |= freqs == edges[b + 1]
        if inside.any():
            m[inside, b] = 1.0 / inside.sum()
    return m


def frame_features(
    x: np.ndarray,
    sample_rate: int,
    *,
    n_fft: int = 1024,
    hop: int = 512,
    n_bands: int = 12,
    fmin: float = 40.0,
    onset_bands: int = 40,
) -> FrameFeatures:
    """Compute RMS, onset strength and band energies of mono float `x`, frame by frame.

    Onset strength is the spectral flux of log-compressed magnitudes in `onset_bands`
    log-spaced bands (not raw FFT bins): like the mel bands of Ellis 2007, this keeps a few
    hundred hi-hat bins from outvoting the kick and snare that carry the beat.
    """
    x = np.asarray(x, dtype=np.float32)
    n_frames = 1 + len(x) // hop
    half = n_fft // 2
    padded = np.zeros(len(x) + 2 * half + hop, np.float32)
    padded[half : half + len(x)] = x
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop][:n_frames]
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    # Scale so a full-scale sine peaks near magnitude 1 whatever n_fft is.
    spec_scale = np.float32(2.0 / window.sum())
    edges = band_edges(sample_rate, n_fft, n_bands, fmin)
    to_bands = _band_matrix(sample_rate, n_fft, edges)
    to_onset_bands = _band_matrix(sample_rate, n_fft, band_edges(sample_rate, n_fft, onset_bands, 30.0))

    rms = np.empty(n_frames, np.float32)
    flux = np.empty(n_frames, np.float32)
    bands = np.empty((n_frames, n_bands), np.float32)
    prev_log = None
    for start in range(0, n_frames, _FRAMES_PER_CHUNK):
        block = frames[start : start + _FRAMES_PER_CHUNK]
        rms[start : start + len(block)] = np.sqrt(np.mean(np.square(block), axis=1))
        mag = np.abs(np.fft.rfft(block * window, axis=1)).astype(np.float32) * spec_scale
        power = np.square(mag)
        bands[start : start + len(block)] = power @ to_bands
        log_mag = np.log1p(_LOG_GAIN * np.sqrt(power @ to_onset_bands))
        # The first frame has no predecessor: give it zero flux rather than calling the
        # noise floor of the very first frame an onset.
        before = np.vstack([log_mag[:1] if prev_log is None else prev_log, log_mag[:-1]])
        flux[start : start + len(block)] = np.maximum(log_mag - before, 0.0).mean(axis=1)
        prev_log = log_mag[-1:]
    return FrameFeatures(rms, flux, bands, edges)
