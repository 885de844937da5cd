"""Make the bundled example: a 48 s synthesised song at 100 BPM with lyrics and a screenplay.

Run from the repository root: `python resources/examples/make_example.py`. Deterministic
(seeded), so re-running reproduces the committed files byte for byte except the OGG encoder
metadata. Writes song.ogg, lyrics.lrc, screenplay.csv and example.dreamreel beside this file.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SR = 44100
BPM = 100
BARS = 20  # 20 bars of 4/4 at 100 BPM = 48 s
BEAT = 60.0 / BPM

# (start beat, text) — colour words give the draft engine something to paint.
LYRICS = [
    (0, "A lighthouse in a violet storm"),
    (8, "Waves of glass and silver foam"),
    (16, "The night is deep, the night is blue"),
    (24, "I sail on gold to dream of you"),
    (32, "Crimson sky | burning clouds:0.6"),
    (40, "Forest green beneath the sea"),
    (48, "Every light returns to me"),
    (56, "Orange sun on the horizon"),
    (64, "Fading into white"),
    (72, "The End"),
]
CHORDS = [(57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62)]  # Am F C G (MIDI)
MELODY = [69, 72, 76, 74, 72, 69, 67, 69, 65, 69, 72, 71, 67, 71, 74, 72]


def midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def envelope(n: int, attack: float, decay: float) -> np.ndarray:
    t = np.arange(n) / SR
    return np.minimum(t / attack, 1.0) * np.exp(-t / decay)


def add(track: np.ndarray, start_s: float, sound: np.ndarray) -> None:
    i = int(round(start_s * SR))
    j = min(len(track), i + len(sound))
    track[i:j] += sound[: j - i]


def synthesise(rng: np.random.Generator) -> np.ndarray:
    """Kick on every beat, snare on 2 and 4, hats on eighths, pad chords, a lead melody."""
    total = BARS * 4 * BEAT
    left = np.zeros(int(total * SR) + SR, np.float32)
    right = np.zeros_like(left)
    n_kick, n_snare, n_hat = int(0.35 * SR), int(0.2 * SR), int(0.05 * SR)
    t_kick = np.arange(n_kick) / SR
    kick = np.sin(2 * np.pi * (50 * t_kick + 60 * (1 - np.exp(-t_kick * 30)) / 30)) * envelope(n_kick, 0.002, 0.12)
    snare = rng.standard_normal(n_snare) * envelope(n_snare, 0.001, 0.05) * 0.5
    hat = np.diff(rng.standard_normal(n_hat + 1)) * envelope(n_hat, 0.0005, 0.012) * 0.25
    for beat in range(BARS * 4):
        t = beat * BEAT
        for ch in (left, right):
            add(ch, t, 0.9 * kick)
            if beat % 4 in (1, 3):
                add(ch, t, snare)
        add(left if beat % 2 else right, t + BEAT / 2, hat)
    bar_s = 4 * BEAT
    for bar in range(BARS):
        chord = CHORDS[bar % len(CHORDS)]
        n = int(bar_s * SR)
        t = np.arange(n) / SR
        pad = sum(np.sin(2 * np.pi * midi_hz(note) * t) + 0.3 * np.sin(4 * np.pi * midi_hz(note) * t) for note in chord)
        pad *= envelope(n, 0.3, 3.0) * 0.06
        add(left, bar * bar_s, pad)
        add(right, bar * bar_s, pad)
    n = int(BEAT * SR)  # lead melody from bar 5 on, one note per beat
    t = np.arange(n) / SR
    for beat in range(16, BARS * 4 - 4):
        hz = midi_hz(MELODY[beat % len(MELODY)])
        note = (np.sin(2 * np.pi * hz * t) + 0.25 * np.sin(6 * np.pi * hz * t)) * envelope(n, 0.01, 0.35) * 0.12
        add(left, beat * BEAT, 0.8 * note)
        add(right, beat * BEAT, note)
    stereo = np.stack([left, right], axis=1)[: int(total * SR)]
    fade = int(1.5 * SR)
    stereo[-fade:] *= np.linspace(1, 0, fade)[:, None]
    return (stereo / np.abs(stereo).max() * 0.8).astype(np.float32)


def write_ogg(samples: np.ndarray, path: Path) -> None:
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "song.wav"
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(2)
            w.setsampwidth(2)
            w.setframerate(SR)
            w.writeframes((samples * 32767).astype("<i2").tobytes())
        cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(wav),
               "-c:a", "libvorbis", "-q:a", "3", "-map_metadata", "-1", "-fflags", "+bitexact", str(path)]
        subprocess.run(cmd, check=True)


def lrc_stamp(seconds: float) -> str:
    cs = int(round(seconds * 100))
    return f"[{cs // 6000:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}]"


def main() -> None:
    samples = synthesise(np.random.default_rng(7))
    song = HERE / "song.ogg"
    write_ogg(samples, song)
    duration_s = len(samples) / SR
    lrc = ["[ti:Violet Storm]", "[ar:Dreamreel Example Band]", "[by:Dreamreel]", ""]
    lrc += [f"{lrc_stamp(beat * BEAT)}{text}" for beat, text in LYRICS]
    (HERE / "lyrics.lrc").write_text("\n".join(lrc) + "\n", encoding="utf-8")
    csv = [f'"{text}",{beat * BEAT:g}' for beat, text in LYRICS]
    (HERE / "screenplay.csv").write_text("\n".join(csv) + "\n", encoding="utf-8")

    import json

    starts = [beat * BEAT for beat, _ in LYRICS] + [duration_s]
    blocks = [
        {"id": f"b{i:02d}", "text": text, "start_ms": round(starts[i] * 1000), "end_ms": round(starts[i + 1] * 1000)}
        for i, (_, text) in enumerate(LYRICS)
    ]
    project = {
        "format_version": 1,
        "title": "Violet Storm",
        "audio": {"path": "song.ogg", "sha256": hashlib.sha256(song.read_bytes()).hexdigest(),
                  "duration_ms": round(duration_s * 1000), "sample_rate": SR},
        "tags": {"ti": "Violet Storm", "ar": "Dreamreel Example Band", "by": "Dreamreel"},
        "style": {"phrases": [{"text": "oil painting", "weight": 1.0}, {"text": "dark", "weight": 0.6},
                              {"text": "weird", "weight": 0.5}],
                  "negatives": [{"text": "text, watermark", "weight": 0.5}]},
        "render": {"width": 256, "height": 256, "fps": 30, "keyframes_per_second": 2.0, "iterations_first": 200,
                   "iterations": 30, "engine": "vqgan-clip",
                   "music": {"effort": 0.5, "pacing": 0.5, "pulse": 0.3, "clusters": 0, "cluster_strength": 0.0}},
        "blocks": blocks,
    }
    (HERE / "example.dreamreel").write_text(json.dumps(project, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {song.name} ({duration_s:.1f} s), lyrics.lrc, screenplay.csv, example.dreamreel")


if __name__ == "__main__":
    main()
