"""Waveform peaks: a min/max/RMS pyramid so a view can draw any zoom from a few thousand points.

Level k holds one bin per `base * 2**k` samples of the mono mix (the last bin may be partial).
Each level halves the previous one, down to a single bin, so every range fits any budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dreamreel.core.audio.cache import cache_path, load_npz, save_npz
from dreamreel.core.audio.decode import Audio, decode_audio, file_sha256

DEFAULT_BASE = 64


@dataclass
class PeakLevel:
    """One zoom level: per-bin min, max and RMS (float32) of `samples_per_bin` samples each."""

    samples_per_bin: int
    min: np.ndarray
    max: np.ndarray
    rms: np.ndarray

    def __len__(self) -> int:
        return len(self.min)


@dataclass
class PeakPyramid:
    """All zoom levels of one waveform, finest first."""

    levels: list[PeakLevel]
    sample_rate: int
    n_samples: int

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.sample_rate

    def level_for(self, start_s: float, end_s: float, max_points: int) -> int:
        """Index of the finest level drawing [start_s, end_s) with at most `max_points` bins."""
        span = max(0.0, min(end_s, self.duration_s) - max(0.0, start_s)) * self.sample_rate
        for k, level in enumerate(self.levels):
            # +1 allows for a range that starts part-way into a bin.
            if int(np.ceil(span / level.samples_per_bin)) + 1 <= max_points:
                return k
        return len(self.levels) - 1

    def for_range(
        self, start_s: float, end_s: float, max_points: int = 2000
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times_s, mins, maxs) covering [start_s, end_s) from the finest level that fits.

        `times_s` are bin start times. Never more than `max_points` bins (at least one when
        the range overlaps the audio); empty arrays when it does not.
        """
        max_points = max(1, int(max_points))
        level = self.levels[self.level_for(start_s, end_s, max_points)]
        spb = level.samples_per_bin
        first = max(0, int(np.floor(start_s * self.sample_rate / spb)))
        last = min(len(level), int(np.ceil(end_s * self.sample_rate / spb)))
        if last <= first:
            empty = np.zeros(0, np.float32)
            return empty.astype(np.float64), empty, empty
        last = min(last, first + max_points)
        times = np.arange(first, last, dtype=np.float64) * spb / self.sample_rate
        return times, level.min[first:last], level.max[first:last]

    def to_arrays(self) -> dict[str, np.ndarray]:
        arrays = {"meta": np.array([self.sample_rate, self.n_samples, len(self.levels)], np.int64)}
        for k, lv in enumerate(self.levels):
            arrays[f"spb{k}"] = np.array(lv.samples_per_bin, np.int64)
            arrays[f"min{k}"], arrays[f"max{k}"], arrays[f"rms{k}"] = lv.min, lv.max, lv.rms
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "PeakPyramid":
        sr, n, n_levels = (int(v) for v in arrays["meta"])
        levels = [
            PeakLevel(int(arrays[f"spb{k}"]), arrays[f"min{k}"], arrays[f"max{k}"], arrays[f"rms{k}"])
            for k in range(n_levels)
        ]
        return cls(levels, sr, n)


def _first_level(x: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """min, max, sum of squares (float64) and counts of each `base`-sample bin of `x`."""
    n_full = len(x) // base
    full = x[: n_full * base].reshape(n_full, base)
    mins, maxs = full.min(axis=1), full.max(axis=1)
    sumsq = np.einsum("ij,ij->i", full, full, dtype=np.float64)
    counts = np.full(n_full, base, np.int64)
    tail = x[n_full * base :]
    if len(tail):
        mins = np.append(mins, tail.min())
        maxs = np.append(maxs, tail.max())
        sumsq = np.append(sumsq, np.dot(tail.astype(np.float64), tail))
        counts = np.append(counts, len(tail))
    return mins, maxs, sumsq, counts


def _halve(a: np.ndarray, op) -> np.ndarray:
    """Combine neighbouring pairs with `op`; an odd last element stands alone."""
    n = len(a) // 2
    out = op(a[: 2 * n : 2], a[1 : 2 * n : 2])
    return np.append(out, a[-1]) if len(a) % 2 else out


def build_peaks(audio: Audio, *, base: int = DEFAULT_BASE) -> PeakPyramid:
    """Build the peak pyramid of `audio` (mixed to mono first)."""
    x = audio.mono().samples.astype(np.float32, copy=False)
    if len(x) == 0:
        z = np.zeros(0, np.float32)
        return PeakPyramid([PeakLevel(base, z, z, z)], audio.sample_rate, 0)
    mins, maxs, sumsq, counts = _first_level(x, base)
    levels = []
    spb = base
    while True:
        rms = np.sqrt(sumsq / counts).astype(np.float32)
        levels.append(PeakLevel(spb, mins.astype(np.float32), maxs.astype(np.float32), rms))
        if len(mins) <= 1:
            break
        mins, maxs = _halve(mins, np.minimum), _halve(maxs, np.maximum)
        sumsq, counts = _halve(sumsq, np.add), _halve(counts, np.add)
        spb *= 2
    return PeakPyramid(levels, audio.sample_rate, len(x))


def load_or_build_peaks(
    path: str | Path, cache_dir: str | Path, *, base: int = DEFAULT_BASE, sha256: str | None = None
) -> PeakPyramid:
    """Peaks of the audio file at `path`, from `cache_dir` when this file was seen before.

    The cache key is the file's sha256 (pass `sha256` if you already have it) and `base`.
    """
    digest = sha256 or file_sha256(path)
    where = cache_path(cache_dir, "peaks", digest, {"base": base})
    cached = load_npz(where)
    if cached is not None:
        try:
            return PeakPyramid.from_arrays(cached)
        except (KeyError, ValueError):
            pass  # an older or damaged file: rebuild it
    pyramid = build_peaks(decode_audio(path), base=base)
    save_npz(where, pyramid.to_arrays())
    return pyramid
