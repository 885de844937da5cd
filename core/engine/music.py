"""Music drives the picture (DESIGN §3.5), as plain numpy functions over envelopes.

Every function takes plain arrays (envelope times in seconds, envelope values, beat times)
so it does not depend on the audio package's `Analysis` layout; `render.py` does the glue.

- effort: `effort_factors` scales each keyframe's iterations by loudness/onset strength.
- pacing: `paced_fracs` moves the in-between position along cumulative onset energy, so a
  transition happens on the hit rather than evenly over the clock.
- pulse: `pulse_envelope` + `apply_pulse` give a small zoom/brightness kick on each beat.
- clusters: `kmeans` over FFT band frames; `SpringFollower` is a damped particle in latent
  space chasing the current cluster's target latent (inertia gives morphing transitions).
"""

from __future__ import annotations

import math

import numpy as np


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    if v.size == 0:
        return v
    top = np.percentile(v, 99) if v.size > 10 else v.max()
    return np.clip(v / top, 0.0, 1.0) if top > 0 else np.zeros_like(v)


def effort_factors(
    times_s, env_times: np.ndarray, rms: np.ndarray, onset: np.ndarray, strength: float, window_s: float
) -> np.ndarray:
    """Iteration multipliers per keyframe: 1 + strength·(2·L − 1), L in [0, 1] the loudest mix
    of normalised RMS and onset strength within [t, t + window_s). strength 0 gives all ones;
    strength 1 gives 0× in silence and 2× on the loudest hits."""
    times_s = np.asarray(times_s, dtype=np.float64)
    if strength == 0 or len(env_times) == 0:
        return np.ones(len(times_s))
    level = 0.5 * _normalise(rms) + 0.5 * _normalise(onset)
    env_times = np.asarray(env_times, dtype=np.float64)
    out = np.empty(len(times_s))
    for i, t in enumerate(times_s):
        sel = (env_times >= t) & (env_times < t + max(window_s, 1e-9))
        out[i] = level[sel].max() if sel.any() else np.interp(t, env_times, level)
    return np.maximum(0.0, 1.0 + strength * (2.0 * out - 1.0))


def paced_fracs(
    frame_t: np.ndarray, lo_t: np.ndarray, hi_t: np.ndarray, frac: np.ndarray,
    env_times: np.ndarray, onset: np.ndarray, strength: float,
) -> np.ndarray:
    """In-between positions following cumulative onset energy, blended with the clock by
    `strength` (0 = clock, 1 = pure energy). Monotone within a segment, in [0, 1], 0 at the
    segment's first keyframe and 1 at its second; jumps happen where the onsets are."""
    frac = np.asarray(frac, dtype=np.float64)
    if strength == 0 or len(env_times) < 2:
        return frac
    env_times = np.asarray(env_times, dtype=np.float64)
    e = np.asarray(onset, dtype=np.float64)
    e = np.maximum(e - np.median(e), 0.0)  # the floor of steady flux would just mimic the clock
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (e[1:] + e[:-1]) * np.diff(env_times))])
    c = lambda t: np.interp(t, env_times, cum)  # noqa: E731
    c_lo, c_hi = c(lo_t), c(hi_t)
    span = c_hi - c_lo
    ok = span > 1e-9 * max(cum[-1], 1e-12)
    energy = np.where(ok, (c(frame_t) - c_lo) / np.where(ok, span, 1.0), frac)
    energy = np.clip(energy, 0.0, 1.0)
    s = float(np.clip(strength, 0.0, 1.0))
    return np.clip((1 - s) * frac + s * energy, 0.0, 1.0)


def pulse_envelope(times_s, beats_s, decay_s: float = 0.12) -> np.ndarray:
    """1.0 on each beat, decaying exponentially until the next one; 0 before the first."""
    times_s = np.asarray(times_s, dtype=np.float64)
    beats = np.sort(np.asarray(beats_s, dtype=np.float64))
    if beats.size == 0:
        return np.zeros(len(times_s))
    i = np.searchsorted(beats, times_s, side="right") - 1
    since = times_s - beats[np.clip(i, 0, None)]
    return np.where(i >= 0, np.exp(-since / decay_s), 0.0)


def apply_pulse(frame: np.ndarray, amount: float, *, zoom: float = 0.06, brighten: float = 0.15) -> np.ndarray:
    """Zoom in around the centre by up to `zoom` and brighten by up to `brighten`, × amount."""
    if amount <= 0.01:  # below a pixel of zoom and 0.2 % brightness: invisible, skip the work
        return frame
    from PIL import Image

    h, w = frame.shape[:2]
    z = 1.0 + zoom * amount
    cw, ch = w / z, h / z
    box = ((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2)
    out = np.asarray(Image.fromarray(frame).resize((w, h), Image.BILINEAR, box=box))
    lut = np.clip(np.arange(256) * (1.0 + brighten * amount) + 0.5, 0, 255).astype(np.uint8)
    return lut[out]  # a lookup table is far cheaper than float maths per pixel


def band_features(bands: np.ndarray) -> np.ndarray:
    """FFT band frames as dB (floored 80 dB below the loudest), centred and scaled as a whole
    for clustering. One global scale, not per band: per-band scaling would blow rare
    transients in near-silent bands up into outliers that win whole clusters."""
    x = np.maximum(np.asarray(bands, dtype=np.float64), 0.0)
    db = 10.0 * np.log10(x + max(x.max(), 1e-12) * 1e-8)
    return (db - db.mean(0)) / (db.std() + 1e-9)


def kmeans(x: np.ndarray, k: int, *, seed: int = 0, iterations: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Seeded k-means (k-means++ init, Lloyd steps). Returns (centroids (k, d), labels (n,)).
    Same data + seed -> same result. An emptied cluster is re-seeded at the worst-fit point."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if n == 0 or k < 1:
        raise ValueError("kmeans needs data and k >= 1")
    k = min(k, n)
    rng = np.random.default_rng(seed)
    centroids = [x[rng.integers(n)]]
    for _ in range(1, k):
        d2 = np.min(((x[:, None, :] - np.array(centroids)[None]) ** 2).sum(-1), axis=1)
        total = d2.sum()
        centroids.append(x[rng.choice(n, p=d2 / total)] if total > 0 else x[rng.integers(n)])
    c = np.array(centroids)
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(iterations):
        d2 = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        new = d2.argmin(1)
        for j in range(k):
            members = new == j
            if members.any():
                c[j] = x[members].mean(0)
            else:
                worst = d2[np.arange(n), new].argmax()
                c[j], new[worst] = x[worst], j
        if np.array_equal(new, labels) and _ > 0:
            break
        labels = new
    return c, labels


def labels_at(times_s, env_times: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The cluster label of the envelope frame nearest each time."""
    env_times = np.asarray(env_times, dtype=np.float64)
    i = np.clip(np.searchsorted(env_times, np.asarray(times_s, dtype=np.float64)), 0, len(env_times) - 1)
    prev = np.clip(i - 1, 0, None)
    closer_prev = np.abs(env_times[prev] - times_s) < np.abs(env_times[i] - times_s)
    return np.asarray(labels)[np.where(closer_prev, prev, i)]


def nearest_rows(features: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """For each centroid, the index of the feature row closest to it (e.g. the keyframe that
    best represents a cluster, whose latent becomes the cluster's target)."""
    d2 = ((np.asarray(features)[:, None, :] - np.asarray(centroids)[None]) ** 2).sum(-1)
    return d2.argmin(0)


class SpringFollower:
    """A damped spring particle (any array/tensor shape) that chases a moving target.

    frequency_hz sets how fast it follows, damping < 1 leaves a little overshoot (inertia).
    Sub-steps keep it stable at low frame rates.
    """

    def __init__(self, start, *, frequency_hz: float = 0.6, damping: float = 0.7):
        self.x = start * 1.0
        self.v = start * 0.0
        self.omega = 2 * math.pi * frequency_hz
        self.damping = damping

    def step(self, target, dt: float):
        """Advance by dt seconds towards target; returns the new position."""
        n = max(1, math.ceil(dt * self.omega / 0.2))
        h = dt / n
        for _ in range(n):
            self.v = self.v + (self.omega**2 * (target - self.x) - 2 * self.damping * self.omega * self.v) * h
            self.x = self.x + self.v * h
        return self.x
