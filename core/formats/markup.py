"""Subtitle markup out of prompt and caption text: HTML-ish tags, WebVTT spans, ASS overrides.

What a prompt (and a burnt-in caption) should hold is the lyric a person reads, so readers
keep the cue's text verbatim for writing back (`RawCue`) and give the block the plain text:

- SRT: `<i> <b> <u> <s> <font …>` tags and ASS-style `{\\an8}` override blocks removed.
- WebVTT: `<c.class> <v Name> <lang en> <i> <b> <u> <ruby> <rt>` spans removed, entities
  (`&amp; &lt; &gt; &nbsp; &lrm; &rlm;` and numeric) decoded; inline `<00:01.500>` timestamps
  are word times (like enhanced LRC).
- ASS/SSA: `{…}` override blocks removed; `\\N` / `\\n` are line breaks, `\\h` a space;
  `{\\k}` `{\\K}` `{\\kf}` `{\\ko}` karaoke durations (centiseconds) are word times; text drawn
  as a vector shape (`{\\p1}…{\\p0}`) is not text and is dropped.

Only known tag names are removed, so `<3` or `a < b` stays text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from dreamreel.core.formats.cues import trim_outer_whitespace
from dreamreel.core.formats.timecodes import parse_clock
from dreamreel.core.project import WordTiming

# SRT's HTML-ish tags and WebVTT's spans; `<c.x.y>`, `<v Name>`, `<lang en-GB>`, `<font color=…>`.
_HTML_TAG = re.compile(r"</?(?:i|b|u|s|c|v|lang|ruby|rt|font|span)(?:[.\s][^<>]*)?>", re.I)
_OVERRIDE = re.compile(r"\{([^{}]*)\}")
_SRT_OVERRIDE = re.compile(r"\{\\[^{}]*\}")
_VTT_TIMESTAMP = re.compile(r"<((?:\d{1,9}:)?\d{1,2}:\d{2}\.\d{1,3})>", re.ASCII)
_KARAOKE = re.compile(r"\\(?:kf|ko|k|K)(\d{1,7}(?:\.\d*)?)", re.ASCII)
_DRAWING = re.compile(r"\\p(\d+)", re.ASCII)
ZWSP = "\u200b"
ARROW_ESCAPE = f"--{ZWSP}>"
"""How SRT and WebVTT writers write a `-->` in text: every reader takes a literal one as a
timing line, and SRT has no escape; the zero-width space is invisible on screen and read back."""


@dataclass
class RawCue:
    """A cue as its file wrote it, for writing it back unchanged while its text is unedited."""

    fmt: str
    text: str  # the cue's payload verbatim (ASS: the Text field)
    plain: str  # what the block's text was when read; the raw text is used only while it matches
    fields: dict[str, str] = field(default_factory=dict)  # ASS: Layer, Style, Name, Margin*, Effect


def strip_srt(text: str) -> str:
    """SRT cue text without tags and override blocks; the `-->` escape read back."""
    text = _SRT_OVERRIDE.sub("", _HTML_TAG.sub("", text))
    return _tidy(text.replace(ARROW_ESCAPE, "-->"))


def vtt_words(text: str, start_ms: int) -> tuple[str, list[tuple[int, str]]]:
    """WebVTT payload -> (plain text, [(ms, word)]) from inline timestamps (none: no words).

    Text before the first timestamp belongs to the cue start."""
    plain = _HTML_TAG.sub("", text)
    pieces = _VTT_TIMESTAMP.split(plain)
    segments = [[start_ms, pieces[0]]]
    for i in range(1, len(pieces), 2):
        ms = parse_clock(pieces[i])
        if ms is None:
            segments[-1][1] += f"<{pieces[i]}>{pieces[i + 1]}"
        else:
            segments.append([ms, pieces[i + 1]])
    segments = [[t, _entities(s).replace(ARROW_ESCAPE, "-->")] for t, s in segments]
    return _spell(segments, timed=len(segments) > 1)


def ass_words(text: str, start_ms: int) -> tuple[str, list[tuple[int, str]]]:
    """ASS Text field -> (plain text, [(ms, syllable)]) from karaoke tags (none: no words)."""
    segments: list[list] = [[start_ms, ""]]
    cursor = start_ms
    karaoke = False
    drawing = False
    pos = 0
    for m in _OVERRIDE.finditer(text):
        if not drawing:
            segments[-1][1] += text[pos:m.start()]
        pos = m.end()
        tags = m.group(1)
        for p in _DRAWING.finditer(tags):
            drawing = int(p.group(1)) > 0
        for k in _KARAOKE.finditer(tags):
            karaoke = True
            segments.append([cursor, ""])
            cursor += round(float(k.group(1)) * 10)
    if not drawing:
        segments[-1][1] += text[pos:]
    segments = [[t, _ass_escapes(s)] for t, s in segments]
    return _spell(segments, timed=karaoke)


def _ass_escapes(text: str) -> str:
    return text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", "\u00a0")


def _entities(text: str) -> str:
    return html.unescape(text).replace("\u200e", "").replace("\u200f", "")


def _spell(segments: list[list], *, timed: bool) -> tuple[str, list[tuple[int, str]]]:
    """Plain text of the segments, tidied, and the timed words that spell it exactly."""
    for seg in segments:
        seg[1] = seg[1].replace("\u00a0", " ")
    text = _tidy("".join(s for _, s in segments))
    if not timed or "\n" in text:
        return text, []
    trim_outer_whitespace(segments)  # as _tidy trimmed the joined text
    words = [(t, w) for t, w in segments if w]
    if "".join(w for _, w in words) != text:  # inner runs of spaces were squeezed: keep no words
        return text, []
    return text, words


def _tidy(text: str) -> str:
    """Each line trimmed, runs of spaces squeezed, empty lines dropped."""
    lines = (" ".join(line.split()) for line in text.replace("\u00a0", " ").splitlines())
    return "\n".join(line for line in lines if line)


def word_timings(words: list[tuple[int, str]]) -> list[WordTiming]:
    return [WordTiming(t, w) for t, w in words]
