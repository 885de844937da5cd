"""Synthetic audio for tests: click tracks, tones and WAV/ffmpeg writers.

Everything is deterministic (explicit seeds) and returns float32 numpy arrays in [-1, 1],
shape (n,) for mono or (n, channels). Shared by the audio, editor and export tests.
"""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np


def click(sr: int, *, length_s: float = 0.03, freq: float | None = None, seed: int = 0) -> np.ndarray:
    """One percussive click: a decaying noise burst (or a tone pip when `freq` is given)."""
    n = max(1, int(round(length_s * sr)))
    t = np.arange(n) / sr
    decay = np.exp(-t / (length_s / 5))
    if freq is None:
        body = np.random.default_rng(seed).uniform(-1.0, 1.0, n)
    else:
        body = np.sin(2 * np.pi * freq * t)
    return (body * decay).astype(np.float32)


def place(signal: np.ndarray, event: np.ndarray, times_s, sr: int, gains=None) -> np.ndarray:
    """Add `event` into `signal` (mono, in place) at each time in `times_s`; returns `signal`."""
    gains = np.ones(len(times_s)) if gains is None else np.asarray(gains, dtype=float)
    for t, g in zip(times_s, gains):
        i = int(round(t * sr))
        if i >= len(signal):
            continue
        m = min(len(event), len(signal) - i)
        signal[i : i + m] += g * event[:m]
    return signal


def beat_times(bpm: float, seconds: float, *, offset_s: float = 0.0) -> np.ndarray:
    """Times (s) of beats at `bpm` starting at `offset_s`, strictly before `seconds`."""
    period = 60.0 / bpm
    return np.arange(offset_s, seconds - 1e-9, period)


def click_track(
    bpm: float,
    seconds: float = 30.0,
    sr: int = 22050,
    *,
    offset_s: float = 0.1,
    accent_every: int = 4,
    accent_gain: float = 1.0,
    beat_gain: float = 0.6,
    noise: float = 0.0,
    tone_hz: float | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A mono click track at `bpm`; returns (samples float32, beat_times_s).

    Every `accent_every`-th beat is louder (a downbeat). `noise` adds white noise of that
    amplitude; `tone_hz` makes tone pips instead of noise bursts.
    """
    times = beat_times(bpm, seconds, offset_s=offset_s)
    gains = np.where(np.arange(len(times)) % max(1, accent_every) == 0, accent_gain, beat_gain)
    sig = np.zeros(int(round(seconds * sr)), dtype=np.float32)
    place(sig, click(sr, freq=tone_hz, seed=seed), times, sr, gains)
    if noise:
        sig += noise * np.random.default_rng(seed + 1).standard_normal(len(sig)).astype(np.float32)
    return np.clip(sig, -1.0, 1.0).astype(np.float32), times


def drum_loop(
    bpm: float, seconds: float = 30.0, sr: int = 22050, *, offset_s: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A pop drum pattern: kick on every beat, snare on 2 and 4, hi-hats on eighths.

    Returns (mono float32 samples, beat_times_s). The hats make twice-the-tempo a tempting
    wrong answer, which is what a beat tracker must resist.
    """
    rng = np.random.default_rng(seed)
    times = beat_times(bpm, seconds, offset_s=offset_s)
    t_kick = np.arange(int(0.3 * sr)) / sr
    kick = np.sin(2 * np.pi * (50 * t_kick + 2 * (1 - np.exp(-t_kick * 30)))) * np.exp(-t_kick / 0.1)
    n_snare, n_hat = int(0.2 * sr), int(0.05 * sr)
    snare = rng.standard_normal(n_snare) * np.exp(-np.arange(n_snare) / (0.05 * sr)) * 0.4
    hat = np.diff(rng.standard_normal(n_hat + 1)) * np.exp(-np.arange(n_hat) / (0.012 * sr)) * 0.25
    sig = np.zeros(int(round(seconds * sr)), dtype=np.float32)
    place(sig, kick.astype(np.float32), times, sr, np.full(len(times), 0.8))
    place(sig, snare.astype(np.float32), times[1::2], sr)
    eighths = np.arange(offset_s, seconds - 1e-9, 30.0 / bpm)
    place(sig, hat.astype(np.float32), eighths, sr)
    return np.clip(sig, -1.0, 1.0).astype(np.float32), times


def tone(freq: float, seconds: float, sr: int = 22050, *, amplitude: float = 0.5) -> np.ndarray:
    """A pure sine tone (mono float32)."""
    t = np.arange(int(round(seconds * sr))) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def stereo(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Stack two mono signals into (n, 2); the shorter is zero-padded."""
    n = max(len(left), len(right))
    out = np.zeros((n, 2), dtype=np.float32)
    out[: len(left), 0] = left
    out[: len(right), 1] = right
    return out


def write_wav(path: str | Path, samples: np.ndarray, sr: int) -> Path:
    """Write float samples (n,) or (n, ch) in [-1, 1] as a 16-bit PCM WAV file."""
    path = Path(path)
    data = np.asarray(samples, dtype=np.float32)
    channels = 1 if data.ndim == 1 else data.shape[1]
    pcm = (np.clip(data, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(int(sr))
        w.writeframes(pcm.tobytes())
    return path


def ffmpeg_convert(src: str | Path, dst: str | Path, *extra_args: str) -> Path:
    """Transcode `src` to `dst` with the bundled ffmpeg (the container comes from dst's suffix).

    `extra_args` go before the output, e.g. ("-c:a", "libvorbis"). Raises RuntimeError with
    ffmpeg's last stderr lines on failure.
    """
    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", "-i", str(src)]
    cmd += [*extra_args, str(dst)]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"ffmpeg failed converting {src} -> {dst}: {' | '.join(tail)}")
    return Path(dst)


def ffmpeg_has_encoder(name: str) -> bool:
    """True when the bundled ffmpeg lists encoder `name` (e.g. "libmp3lame", "flac")."""
    import imageio_ffmpeg

    proc = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-encoders"], capture_output=True
    )
    return any(
        len(parts) > 1 and parts[1] == name
        for parts in (line.split() for line in proc.stdout.decode(errors="replace").splitlines())
    )
