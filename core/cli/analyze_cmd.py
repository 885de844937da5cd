"""`dreamreel analyze SONG [--json]`: duration, sample rate, tempo, beats and onsets of a song."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from dreamreel.core.clock import format_clock

FIRST_BEATS = 8


def register(subparsers) -> None:
    """Add the `analyze` subcommand."""
    p = subparsers.add_parser(
        "analyze",
        help="analyse a song: tempo, beats, onsets",
        description="Decode a song and print its duration, sample rate, tempo, beats and onsets.",
    )
    p.add_argument("song", help="audio file (anything ffmpeg reads: mp3, wav, flac, ogg, m4a)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.add_argument("--all-beats", action="store_true", help="list every beat, not just the first")
    p.add_argument("--cache-dir", type=Path, default=None,
                   help="where analysis results are cached (default: the user cache folder)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.set_defaults(func=run)


def summary(song: Path, cache_dir: Path | None, *, all_beats: bool = False) -> dict:
    """The facts `analyze` prints, as plain JSON-ready data."""
    from dreamreel.core.audio import default_cache_dir, load_or_analyze, stream_info

    info = stream_info(song)  # raises AudioError with one clear line for bad input
    if cache_dir is None:
        cache_dir = default_cache_dir()
    result = load_or_analyze(song, cache_dir)
    beats = [round(float(b), 3) for b in result.beats]
    return {
        "file": str(song),
        "duration_s": round(result.duration_s, 3),
        "sample_rate": info.sample_rate,
        "channels": info.channels,
        "tempo_bpm": round(result.tempo_bpm, 2),
        "n_beats": len(beats),
        "n_onsets": int(len(result.onsets)),
        "beats_s": beats if all_beats else beats[:FIRST_BEATS],
        "hop_s": result.hop_s,
    }


def run(args: argparse.Namespace) -> int:
    song = Path(args.song)
    if args.no_cache:
        with tempfile.TemporaryDirectory(prefix="dreamreel-analyze-") as tmp:
            facts = summary(song, Path(tmp), all_beats=args.all_beats)
    else:
        facts = summary(song, args.cache_dir, all_beats=args.all_beats)
    if args.json:
        print(json.dumps(facts, indent=2))
        return 0
    channels = {1: "mono", 2: "stereo"}.get(facts["channels"], f"{facts['channels']} channels")
    more = "" if args.all_beats or facts["n_beats"] <= FIRST_BEATS else " ..."
    print(f"file:        {facts['file']}")
    print(f"duration:    {format_clock(facts['duration_s'] * 1000)} ({facts['duration_s']:.3f} s)")
    print(f"sample rate: {facts['sample_rate']} Hz, {channels}")
    print(f"tempo:       {facts['tempo_bpm']:.2f} BPM" if facts["tempo_bpm"] else
          "tempo:       none found")
    print(f"beats:       {facts['n_beats']}")
    print(f"onsets:      {facts['n_onsets']}")
    if facts["beats_s"]:
        print("beats (s):   " + " ".join(f"{b:.3f}" for b in facts["beats_s"]) + more)
    return 0
