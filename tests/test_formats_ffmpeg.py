"""Our LRC, SRT, WebVTT and ASS files as a real reader sees them: ffmpeg's demuxers and libass.

1. `ffmpeg -i ours.x out.srt` gives the same cue times (within 10 ms) and the same text.
2. Burnt in with ffmpeg's `subtitles` filter (libass), a lyric read from a styled file shows
   the plain lyric: the frame is pixel-identical to one burnt from a hand-written plain file,
   and differs from the styled original (so the comparison can see markup).

The system ffmpeg is used (CI installs it: .ci/run); without one, the bundled imageio-ffmpeg
binary, which has the same demuxers and filter. Skipped only when neither can run.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from dreamreel.core.formats import format_lyrics, parse_lyrics
from dreamreel.core.formats.ass import DEFAULT_HEAD, ASS_FIELDS
from dreamreel.core.formats.timecodes import parse_clock
from dreamreel.core.project import Block


def _ffmpeg() -> str | None:
    candidates = [shutil.which("ffmpeg")]
    try:
        import imageio_ffmpeg

        candidates.append(imageio_ffmpeg.get_ffmpeg_exe())
    except Exception:  # noqa: BLE001 - no bundled binary on this platform
        pass
    for exe in filter(None, candidates):
        probe = subprocess.run([exe, "-hide_banner", "-filters"], capture_output=True, text=True)
        if probe.returncode == 0 and " subtitles " in probe.stdout:
            return exe
    return None


FFMPEG = _ffmpeg()
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="no ffmpeg with libass (apt-get install -y ffmpeg)")

# Times off every grid, a line over 100 minutes, markup characters, an arrow, a translation.
BLOCKS = [
    Block("Hello <3 & you", 1005, 3994),
    Block("left --> right", 3994, 6000, secondary="links"),
    Block("two\nlines", 6000, 7000),
    Block("gap before me", 9000, 12_345),
    Block("past a hundred minutes", 100 * 60_000 + 1234, 100 * 60_000 + 5000),
]
GRID = {"lrc": 10, "srt": 1, "vtt": 1, "ass": 10}


def _ffmpeg_cues(path) -> list[tuple[int, int, str]]:
    out = path.with_name(path.name + ".ff.srt")
    r = subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(path), str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    cues = []
    for chunk in re.split(r"\n\s*\n", out.read_text(encoding="utf-8").replace("\r", "")):
        lines = [ln for ln in chunk.split("\n") if ln.strip()]
        timing = next((i for i, ln in enumerate(lines) if "-->" in ln and re.match(r"^\d", ln)), None)
        if timing is None:
            continue
        start, end = (parse_clock(t) for t in lines[timing].split(" --> "))
        text = "\n".join(lines[timing + 1:])
        text = re.sub(r"</?font[^>]*>", "", text).replace("\\{", "{").replace("\\}", "}").replace("\u200b", "")
        cues.append((start, end, text))
    return cues


@pytest.mark.parametrize("fmt", ["lrc", "srt", "vtt", "ass"])
def test_ffmpeg_reads_our_cue_times_within_10_ms(tmp_path, fmt):
    path = tmp_path / f"ours.{fmt}"
    path.write_text(format_lyrics(BLOCKS, fmt), encoding="utf-8")
    cues = _ffmpeg_cues(path)
    shown = [(s, e, t) for s, e, t in cues if t.strip() and e > s]
    if fmt == "lrc":
        # LRC has no ends: a line shows until the next stamp, so every block end is a stamp
        # (the next line's, or an empty timed line); LRC shows a line's text on one line.
        starts = sorted({s for s, _, _ in cues})
        for b in BLOCKS:
            # (a translation on its own line with the same stamp makes ffmpeg end the first at once)
            cue = next(c for c in cues if c[2] == b.text.replace("\n", " "))
            assert abs(cue[0] - b.start_ms) <= 10, (b, cue)
            assert any(abs(s - b.end_ms) <= 10 for s in starts), (b, starts)
        return
    texts = {(s, e): [] for s, e, _ in shown}
    for s, e, t in shown:
        texts[(s, e)].append(t)
    assert len(texts) == len(BLOCKS), cues
    for b, ((s, e), lines) in zip(BLOCKS, sorted(texts.items())):
        assert abs(s - b.start_ms) <= 10 and abs(e - b.end_ms) <= 10, (b, s, e)
        expected = b.text + ("\n" + b.secondary if b.secondary else "")
        assert "\n".join(lines) == expected, (fmt, lines)
    if GRID[fmt] == 1:  # SRT and VTT carry milliseconds: exact
        assert [k for k in sorted(texts)] == [(b.start_ms, b.end_ms) for b in BLOCKS]


# --- burnt in: the plain lyric ---------------------------------------------------------------

LYRIC = "Hello dark sea"
STYLED = {
    "srt": '1\n00:00:00,500 --> 00:00:02,000\n<i>Hello</i> <b>dark</b> <font color="#ff0000">sea</font>{\\an8}\n',
    "vtt": "WEBVTT\n\n00:00.500 --> 00:02.000 line:0 align:start\n<v Bob><i>Hello</i> <c.red>dark</c> <b>sea</b></v>\n",
    "ass": (DEFAULT_HEAD + "\n\n[Events]\nFormat: " + ", ".join(ASS_FIELDS) + "\nDialogue: 0,0:00:00.50,0:00:02.00,"
            "Default,,0,0,0,,{\\an8\\c&H0000FF&}{\\k20}Hello {\\k20}{\\i1}dark{\\i0} {\\k40}sea\n"),
}
PLAIN = {  # written by hand: the lyric alone, no styling
    "lrc": f"[00:00.50]{LYRIC}\n[00:02.00]\n",
    "srt": f"1\n00:00:00,500 --> 00:00:02,000\n{LYRIC}\n",
    "vtt": f"WEBVTT\n\n00:00:00.500 --> 00:00:02.000\n{LYRIC}\n",
    "ass": (DEFAULT_HEAD + "\n\n[Events]\nFormat: " + ", ".join(ASS_FIELDS)
            + f"\nDialogue: 0,0:00:00.50,0:00:02.00,Default,,0,0,0,,{LYRIC}\n"),
}


def _burn(tmp_path, name: str, text: str) -> bytes:
    """One 320x180 grey frame at t=1 s with the file burnt in by libass; also saved as PNG."""
    (tmp_path / name).write_text(text, encoding="utf-8")
    base = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=black:s=320x180:r=10:d=1.5",
            "-vf", f"subtitles={name}", "-ss", "1", "-frames:v", "1"]
    r = subprocess.run(base + ["-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    subprocess.run(base + [f"{name}.png"], capture_output=True, cwd=tmp_path)
    assert len(r.stdout) == 320 * 180
    return r.stdout


@pytest.mark.parametrize("source", sorted(STYLED))
def test_burnt_in_caption_of_a_styled_file_is_the_plain_lyric(tmp_path, source):
    lyrics = parse_lyrics(STYLED[source], source, strict=True)
    assert [b.text for b in lyrics.blocks] == [LYRIC]
    for fmt in ("lrc", "srt", "vtt", "ass"):
        ours = _burn(tmp_path, f"ours_{source}.{fmt}", format_lyrics(lyrics.blocks, fmt))
        plain = _burn(tmp_path, f"plain.{fmt}", PLAIN[fmt])
        if sum(p > 128 for p in plain) < 50:
            pytest.skip("libass found no font to draw with (install fonts-dejavu)")
        assert ours == plain, f"{source} -> {fmt}: burnt caption differs from the plain lyric"
    styled = _burn(tmp_path, f"styled.{source}", STYLED[source])
    assert styled != _burn(tmp_path, f"plain.{source}", PLAIN[source])  # markup is visible to this check
