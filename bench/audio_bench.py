"""Audio benchmark: decode + peaks + full analysis of a synthesised 10-minute stereo song.

Run: `.venv/bin/python bench/audio_bench.py [--minutes 10] [--bpm 128]`. Prints seconds per
stage, the total, the Python-heap peak per stage (tracemalloc; numpy buffers included) and
the process's peak resident memory (ru_maxrss). Target: under 10 s and 1 GB for 10 minutes.
The song is written in 10-second chunks so synthesis itself stays small in memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
import wave
from pathlib import Path

import numpy as np

SR = 44100
CHUNK_S = 10


def synth_chunk(start_s: float, seconds: float, bpm: float, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) float32: a kick + hat pattern on the beat grid and a sine melody, 8th notes."""
    n = int(round(seconds * SR))
    t = start_s + np.arange(n) / SR
    period = 60.0 / bpm
    phase = np.mod(t, period)  # time since the last beat
    kick = np.sin(2 * np.pi * 55.0 * phase) * np.exp(-phase / 0.06) * 0.6
    half = np.mod(t, period / 2)
    hat = rng.uniform(-1, 1, n) * np.exp(-half / 0.01) * 0.15
    scale = np.array([220.0, 246.9, 277.2, 293.7, 329.6, 370.0, 415.3, 440.0])
    note = (np.floor(t / (period / 2)).astype(np.int64) * 5) % len(scale)
    melody = 0.2 * np.sin(2 * np.pi * scale[note] * t) * (0.6 + 0.4 * np.exp(-half / 0.1))
    left = kick + hat + melody
    right = kick + 0.7 * hat + 0.8 * melody
    return np.stack([left, right], axis=1).astype(np.float32)


def write_song(path: Path, minutes: float, bpm: float) -> None:
    rng = np.random.default_rng(0)
    total = minutes * 60
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(SR)
        start = 0.0
        while start < total:
            chunk = synth_chunk(start, min(CHUNK_S, total - start), bpm, rng)
            w.writeframes((np.clip(chunk, -1, 1) * 32767).astype("<i2").tobytes())
            start += CHUNK_S


def rss_mb() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--bpm", type=float, default=128.0)
    args = parser.parse_args(argv)

    from dreamreel.core.audio import analyze, build_peaks, decode_audio
    from dreamreel.core.audio.analysis import AnalysisParams
    from dreamreel.core.audio.decode import resample
    from dreamreel.core.audio.features import frame_features
    from dreamreel.core.audio.rhythm import estimate_tempo, pick_onsets, track_beats

    with tempfile.TemporaryDirectory(prefix="dreamreel-bench-") as tmp:
        song = Path(tmp) / "song.wav"
        t0 = time.perf_counter()
        write_song(song, args.minutes, args.bpm)
        print(f"synthesised {args.minutes:g} min stereo {SR} Hz at {args.bpm:g} BPM "
              f"({song.stat().st_size / 2**20:.0f} MiB wav) in {time.perf_counter() - t0:.1f} s; "
              f"rss so far {rss_mb():.0f} MiB")

        def main_stages(stage):
            audio = stage("decode (44.1 kHz, mono mix)", lambda: decode_audio(song))
            peaks = stage("peaks pyramid", lambda: build_peaks(audio))
            result = stage("analysis (resample+STFT+rhythm)", lambda: analyze(audio))
            return peaks, result

        def breakdown(stage):
            # The analysis piece by piece, from a direct 22050 Hz decode (as load_or_analyze).
            p = AnalysisParams()
            hop_s = p.hop / p.sample_rate
            small = stage("  decode straight to 22050 Hz",
                          lambda: decode_audio(song, sample_rate=p.sample_rate))
            stage("  resample 44.1k->22.05k (ffmpeg)",
                  lambda: resample(decode_audio(song), p.sample_rate))
            feats = stage("  STFT features", lambda: frame_features(small.samples, p.sample_rate))
            env = feats.onset_strength
            bpm = stage("  tempo", lambda: estimate_tempo(env, hop_s))
            stage("  beats (DP)", lambda: track_beats(env, hop_s, bpm))
            stage("  onsets", lambda: pick_onsets(env, hop_s))

        # Timing pass without tracemalloc (it slows every allocation), then a memory pass.
        times: dict[str, float] = {}

        def timed(name, fn):
            start = time.perf_counter()
            value = fn()
            times[name] = time.perf_counter() - start
            return value

        peaks, result = main_stages(timed)
        total = sum(times.values())
        breakdown(timed)
        rss_after_timing = rss_mb()

        peaks_mem: dict[str, int] = {}

        def traced(name, fn):
            tracemalloc.reset_peak()
            value = fn()
            peaks_mem[name] = tracemalloc.get_traced_memory()[1]
            return value

        tracemalloc.start()
        main_stages(traced)
        breakdown(traced)
        tracemalloc.stop()

    print(f"\n{'stage':36s} {'seconds':>8s} {'py peak MiB':>12s}")
    for name, seconds in times.items():
        print(f"{name:36s} {seconds:8.2f} {peaks_mem[name] / 2**20:12.1f}")
    print(f"{'TOTAL decode+peaks+analysis':36s} {total:8.2f}")
    print(f"\npeak RSS (ru_maxrss) after the timing pass: {rss_after_timing:.0f} MiB; "
          f"at the end: {rss_mb():.0f} MiB")
    print(f"levels: {len(peaks.levels)}, finest {len(peaks.levels[0])} bins; "
          f"frames: {len(result.times)}; tempo {result.tempo_bpm:.2f} BPM (true {args.bpm:g}); "
          f"beats {len(result.beats)} (expected ~{int(args.minutes * args.bpm)}); "
          f"onsets {len(result.onsets)}")
    ok = total < 10.0 and rss_mb() < 1024
    print("target (<10 s, <1 GiB):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
