"""Properties: export -> import gives the same blocks in every format; junk only raises FormatError."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dreamreel.core.errors import FormatError
from dreamreel.core.formats import FORMATS, decode_text, format_lyrics, parse_lyrics, read_lyrics, write_lyrics
from dreamreel.core.formats.timecodes import format_lrc_time, parse_clock
from dreamreel.core.project import MIN_BLOCK_MS, Block, Prompt, Style, WordTiming, validate_blocks

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text every format can carry: no line breaks or tabs, no `[`/`<`/`>` (LRC tags, SRT arrows),
# trimmed with single spaces (every reader trims; LRC and labels squeeze whitespace).
_ALPHABET = st.sampled_from(list("abcXYZ019 .,;:!?'\"-()&|#éßü中文ひらがな"))
TEXT = st.text(_ALPHABET, min_size=1, max_size=20).map(lambda s: " ".join(s.split())).filter(bool)
STYLE = st.lists(
    st.builds(Prompt, st.text(st.sampled_from(list("abc xyz")), min_size=1, max_size=8).map(lambda s: " ".join(s.split())).filter(bool),
              st.sampled_from([1.0, 0.5, -0.25, 2.0, 0.1 + 0.2])),
    min_size=1, max_size=3,
).map(lambda ps: Style(phrases=ps))


@st.composite
def timelines(draw, grid: int, secondary: bool = False, extras: bool = False):
    """Sorted, non-overlapping blocks with times on `grid` ms, plus a song length >= the end."""
    n = draw(st.integers(1, 6))
    t = draw(st.integers(0, 400)) * grid
    blocks = []
    for _ in range(n):
        length = draw(st.integers(-(-MIN_BLOCK_MS // grid), 5000 // grid)) * grid
        kw = {}
        text = draw(TEXT)
        if secondary and draw(st.booleans()):  # a translation identical to the line is a duplicate: one kept
            kw["secondary"] = draw(TEXT.filter(lambda s, t=text: s != t))
        if extras:
            kw["style"] = draw(st.none() | STYLE)
            kw["seed"] = draw(st.none() | st.integers(-(2**40), 2**40))
        blocks.append(Block(text=text, start_ms=t, end_ms=t + length, **kw))
        t += length + draw(st.sampled_from([0, 0, grid, 1000]))  # mostly touching, some gaps
    duration = blocks[-1].end_ms + draw(st.sampled_from([0, 0, grid * 7]))
    return blocks, duration


def key(blocks, extras=False):
    return [(b.text, b.secondary, b.start_ms, b.end_ms) + ((b.style, b.seed) if extras else ()) for b in blocks]


def check(blocks, duration, fmt, extras=False, **kw):
    text = format_lyrics(blocks, fmt, **kw)
    back = parse_lyrics(text, fmt, strict=True, duration_ms=duration).blocks
    validate_blocks(back, duration)
    assert key(back, extras) == key(blocks, extras), text


@SETTINGS
@given(timelines(grid=10, secondary=True))
def test_lrc_round_trip(case):
    check(*case, "lrc")


@SETTINGS
@given(timelines(grid=1, secondary=True))
def test_lrc_millis_round_trip(case):
    check(*case, "lrc", millis=True)


@SETTINGS
@given(timelines(grid=1, secondary=True, extras=True))
def test_csv_round_trip(case):
    blocks, duration = case
    check(blocks, duration, "csv", extras=True, duration_ms=duration)


@SETTINGS
@given(timelines(grid=1))
def test_srt_round_trip(case):
    check(*case, "srt")


@SETTINGS
@given(timelines(grid=1, secondary=True))
def test_vtt_round_trip(case):
    check(*case, "vtt")


@SETTINGS
@given(timelines(grid=10, secondary=True))
def test_ass_round_trip(case):
    check(*case, "ass")


# What subtitle markup is made of: WebVTT and ASS escape it, so lyrics holding it survive.
MARKUP_TEXT = st.text(st.sampled_from(list("ab <>{}&;-->#i/")), min_size=1, max_size=24).map(
    lambda s: " ".join(s.split())).filter(bool)


@SETTINGS
@given(st.lists(MARKUP_TEXT, min_size=1, max_size=4), st.sampled_from(["vtt", "ass"]))
def test_markup_characters_in_lyrics_survive_vtt_and_ass(texts, fmt):
    blocks = [Block(text=t, start_ms=i * 1000, end_ms=i * 1000 + 1000) for i, t in enumerate(texts)]
    check(blocks, len(texts) * 1000, fmt)


@SETTINGS
@given(st.lists(MARKUP_TEXT.filter(lambda s: "<" not in s and "{" not in s), min_size=1, max_size=4))
def test_arrows_and_ampersands_survive_srt(texts):
    blocks = [Block(text=t, start_ms=i * 1000, end_ms=i * 1000 + 1000) for i, t in enumerate(texts)]
    check(blocks, len(texts) * 1000, "srt")


@SETTINGS
@given(timelines(grid=1))
def test_labels_round_trip(case):
    check(*case, "labels")


@SETTINGS
@given(timelines(grid=10), st.data())
def test_enhanced_lrc_vtt_ass_round_trip_keeps_words(case, data):
    blocks, duration = case
    for b in blocks:
        words = b.text.split(" ")
        times = sorted(data.draw(st.lists(st.integers(b.start_ms // 10, (b.end_ms - 1) // 10), min_size=len(words),
                                          max_size=len(words))))
        b.words = [WordTiming(t * 10, w + (" " if i < len(words) - 1 else "")) for i, (t, w) in enumerate(zip(times, words))]
    for fmt in ("lrc", "vtt", "ass"):
        text = format_lyrics(blocks, fmt, enhanced=True)
        back = parse_lyrics(text, fmt, strict=True, duration_ms=duration).blocks
        assert [(b.text, b.start_ms, b.end_ms, b.words) for b in back] == [
            (b.text, b.start_ms, b.end_ms, b.words) for b in blocks], text


@SETTINGS
@given(st.integers(0, 10**9))
def test_lrc_time_format_parse_is_exact_on_its_grid(ms):
    assert parse_clock(format_lrc_time(ms, millis=True)) == ms
    assert parse_clock(format_lrc_time(ms)) == (ms + 5) // 10 * 10


# --- junk never raises anything but FormatError ---------------------------------------------


def _parse_all(text: str) -> None:
    for fmt in FORMATS:
        for strict in (False, True):
            try:
                lyrics = parse_lyrics(text, fmt, strict=strict, duration_ms=None)
            except FormatError:
                continue
            validate_blocks(lyrics.blocks, None)


@SETTINGS
@given(st.binary(max_size=600))
def test_random_bytes_only_raise_format_error(data):
    try:
        text = decode_text(data)
    except FormatError:
        return
    _parse_all(text)


_LRCISH = st.text(st.sampled_from(list("[]<>0123456789:.,- \t\n\r\ufeffa:offsetlngh\\\"-->")), max_size=200)
# Near-misses of the subtitle formats: section and field names, override blocks, karaoke tags.
_SUBISH = st.lists(st.sampled_from([
    "WEBVTT", "NOTE", "STYLE", "-->", "00:01.000", "1:00:00.00", "0:00:01.00", "\n", "\n\n", ",", ";", "\t",
    "[Events]", "[Script Info]", "[V4 Styles]", "Format: ", "Layer, Start, End, Text", "Marked,Text,End,Start",
    "Dialogue: ", "Comment: ", "karaoke", "fx", "{\\k", "{\\kf-5}", "{\\p1}", "}", "{", "\\N", "\\{",
    "<c.x>", "<00:00:01.500>", "&amp;", "&#99999999;", "<v ", "text", "start", "seconds", "ms", "\"", "99999999999",
]), max_size=40).map("".join)


@SETTINGS
@given(_LRCISH | _SUBISH | st.text(max_size=200))
def test_random_near_miss_text_only_raises_format_error(text):
    _parse_all(text)


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([".lrc", ".csv", ".srt", ".txt", ".vtt", ".ass"]))
def test_random_files_only_raise_format_error(data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"junk{suffix}"
        path.write_bytes(data)
        try:
            lyrics = read_lyrics(path, strict=False)
        except FormatError:
            return
        validate_blocks(lyrics.blocks, None)
        write_lyrics(path, lyrics.blocks)  # whatever we read, we can write
