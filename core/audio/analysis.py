"""Whole-song analysis: RMS, onset strength, onsets, tempo, beats and band energies.

Everything runs on a 22050 Hz mono mix with a fixed hop, so frame times mean the same for
every song. Results are cached as `.npz` keyed by the audio file's sha256 and the parameters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from dreamreel.core.audio.cache import cache_path, load_npz, save_npz
from dreamreel.core.audio.decode import Audio, decode_audio, file_sha256, resample
from dreamreel.core.audio.features import frame_features
from dreamreel.core.audio.rhythm import estimate_tempo, pick_onsets, tempo_from_beats, track_beats


@dataclass(frozen=True)
class AnalysisParams:
    """Every knob that changes an analysis result; part of the cache key."""

    sample_rate: int = 22050
    hop: int = 512
    n_fft: int = 1024
    n_bands: int = 12
    fmin: float = 40.0
    min_bpm: float = 60.0
    max_bpm: float = 200.0
    onset_delta: float = 0.07


@dataclass
class Analysis:
    """Frame-wise features and rhythm of one song. Frame i is at `times[i] = i * hop_s`."""

    hop_s: float
    times: np.ndarray  # (n,) float64 seconds
    rms: np.ndarray  # (n,) float32
    onset_strength: np.ndarray  # (n,) float32
    onsets: np.ndarray  # (k,) float64 seconds
    tempo_bpm: float
    beats: np.ndarray  # (m,) float64 seconds
    bands: np.ndarray  # (n, n_bands) float32, mean power per log-spaced band
    band_edges_hz: np.ndarray  # (n_bands + 1,)
    duration_s: float
    params: AnalysisParams = field(default_factory=AnalysisParams)

    def to_arrays(self) -> dict[str, np.ndarray]:
        arrays = {f.name: np.asarray(getattr(self, f.name)) for f in fields(self) if f.name != "params"}
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], params: AnalysisParams) -> "Analysis":
        kw = {f.name: arrays[f.name] for f in fields(cls) if f.name != "params"}
        for name in ("hop_s", "tempo_bpm", "duration_s"):
            kw[name] = float(kw[name])
        return cls(**kw, params=params)


def analyze(audio: Audio, params: AnalysisParams | None = None, **overrides) -> Analysis:
    """Analyse `audio` (any rate, any channels): it is mixed to mono and resampled first.

    Keyword overrides set fields of `AnalysisParams`, e.g. `analyze(audio, n_bands=16)`.
    """
    params = params or AnalysisParams()
    if overrides:
        params = AnalysisParams(**{**asdict(params), **overrides})
    mono = resample(audio.mono(), params.sample_rate)
    x = mono.samples
    hop_s = params.hop / params.sample_rate
    feats = frame_features(x, params.sample_rate, n_fft=params.n_fft, hop=params.hop,
                           n_bands=params.n_bands, fmin=params.fmin)
    env = feats.onset_strength
    bpm = estimate_tempo(env, hop_s, min_bpm=params.min_bpm, max_bpm=params.max_bpm)
    beats = track_beats(env, hop_s, bpm)
    bpm = tempo_from_beats(beats, bpm)
    return Analysis(
        hop_s=hop_s,
        times=np.arange(len(env)) * hop_s,
        rms=feats.rms,
        onset_strength=env,
        onsets=pick_onsets(env, hop_s, delta=params.onset_delta),
        tempo_bpm=float(bpm),
        beats=beats,
        bands=feats.bands,
        band_edges_hz=feats.band_edges_hz,
        duration_s=len(x) / params.sample_rate,
        params=params,
    )


def load_or_analyze(
    path: str | Path,
    cache_dir: str | Path,
    params: AnalysisParams | None = None,
    *,
    sha256: str | None = None,
) -> Analysis:
    """The analysis of the audio file at `path`, from `cache_dir` when already computed.

    On a miss the file is decoded once, straight to the analysis rate, and the result cached.
    """
    params = params or AnalysisParams()
    digest = sha256 or file_sha256(path)
    where = cache_path(cache_dir, "analysis", digest, asdict(params))
    cached = load_npz(where)
    if cached is not None:
        try:
            return Analysis.from_arrays(cached, params)
        except (KeyError, ValueError, TypeError):
            pass  # an older or damaged file: recompute
    result = analyze(decode_audio(path, sample_rate=params.sample_rate), params)
    save_npz(where, result.to_arrays())
    return result


def envelope_at(analysis: Analysis, name: str, times_s) -> np.ndarray:
    """`name` ("rms", "onset_strength" or "band:<i>") at arbitrary times, scaled to 0..1.

    Linear interpolation between frames; times outside the song take the end values. The scale
    divides by the song's maximum, so 1.0 is the loudest moment of this song.
    """
    if name.startswith("band:"):
        values = analysis.bands[:, int(name.split(":", 1)[1])]
    elif name in ("rms", "onset_strength"):
        values = getattr(analysis, name)
    else:
        raise ValueError(f"unknown envelope {name!r}; use rms, onset_strength or band:<i>")
    values = np.asarray(values, dtype=np.float64)
    peak = values.max() if len(values) else 0.0
    t = np.asarray(times_s, dtype=np.float64)
    if peak <= 0:
        return np.zeros_like(t)
    return np.interp(t, analysis.times, values / peak)
