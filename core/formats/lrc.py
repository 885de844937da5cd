"""LRC lyrics: parse what players write, write what players read (DESIGN §4).

Reading, line by line (CR, LF, CRLF or mixed; BOMs anywhere are dropped):
- Leading `[...]` tags are time tags (`[mm:ss.xx]`, see `timecodes.parse_clock`) or ID tags
  (`[key:value]`, key case-insensitive, spaces tolerated, unknown keys kept). The rest of the
  line is text, so brackets inside text stay (`[00:12.00]Yeah [x2]`), as do `M:`/`F:`/`D:`.
- Several time tags on one line give one cue each; an empty timed line is a stop (a gap).
- `[offset:+500]` shows lines 500 ms earlier: effective = stamp − offset, never below 0. The
  returned times are effective; the tag stays in `tags` and `offset_ms` records it.
- Enhanced word tags `<mm:ss.xx>` become `Block.words` and are stripped from the text.
- A section header (`[Chorus]` alone) or any other untimed text is skipped with a warning,
  in strict mode too: real files carry them and they hold no timing. Malformed time tags and
  offsets are errors in strict mode. Untimed blank lines mark stanza breaks.

Writing: ID tags in order (never `offset`: times are written effective, see `format_lrc`),
`[mm:ss.xx]` rounded half-up (`millis` for `.xxx`), secondary text as extra lines with the same
stamp, an empty timed line wherever a gap follows a block (and after the last one, so the
last block's end survives without the audio), optional enhanced word tags.
"""

from __future__ import annotations

import re

from dreamreel.core.formats.cues import Cue, Problems, trim_outer_whitespace
from dreamreel.core.formats.timecodes import format_lrc_time, parse_clock, parse_time, round_to
from dreamreel.core.project import Block, WordTiming

_TAG = re.compile(r"\s*\[([^\[\]]*)\]")
_ID_TAG = re.compile(r"^\s*([A-Za-z#][\w#-]*)\s*:(.*)$", re.S)
_WORD_TAG = re.compile(r"<([^<>]*)>")
_LOOKS_TIMED = re.compile(r"^[\d\s:.,]+$")
_OFFSET = re.compile(r"^([+-]?)\s*(\d{1,9})\s*(?:ms)?$", re.I | re.ASCII)
_LINES = re.compile(r"\r\n|\r|\n")
_LEAD_IN = -1  # stands for "the line's own stamp" on untimed text before the first word tag


def parse_lrc(text: str, problems: Problems) -> tuple[list[Cue], list[int], dict[str, str], dict]:
    """Read LRC text into (cues, stops, tags, extra) with effective times.

    `extra` holds `offset_ms`, `length_ms` (or None) and `stanza_breaks` (effective start times
    of the first timed line after each untimed blank line)."""
    tags: dict[str, str] = {}
    timed: list[tuple[list[int], str, list[tuple[int, str]], int, bool]] = []
    blank_pending = False
    for number, line in enumerate(_LINES.split(text.replace("\ufeff", "")), start=1):
        stamps, rest, kind = _leading_tags(line, tags, number, problems)
        if stamps:
            body, words = _split_words(rest)
            timed.append((stamps, body, words, number, blank_pending))
            blank_pending = False
        elif kind == "plain" and not rest.strip():
            blank_pending = blank_pending or bool(timed)
        elif rest.strip() and kind != "bad":
            what = "section header" if _TAG.fullmatch(rest.strip()) else "untimed text"
            problems.report(f"{what} {_clip(rest.strip())!r} has no time tag; skipped", number, always_warn=True)
    offset = _offset(tags, problems)
    length = parse_time(tags["length"]) if tags.get("length", "").strip() else None

    def eff(ms: int) -> int:
        return max(ms - offset, 0)

    cues: list[Cue] = []
    stops: list[int] = []
    stanza_breaks: set[int] = set()
    for stamps, body, words, number, after_blank in timed:
        base = min(stamps)
        for stamp in stamps:
            if not body and not any(w for _, w in words):
                stops.append(eff(stamp))
                continue
            # Word stamps belong to the line's earliest stamp; repeats of the line move with theirs.
            shifted = [WordTiming(eff(stamp if t == _LEAD_IN else t + stamp - base), w) for t, w in words]
            cues.append(Cue(eff(stamp), body, number, words=shifted))
            if after_blank:
                stanza_breaks.add(eff(stamp))
    return cues, stops, tags, {"offset_ms": offset, "length_ms": length, "stanza_breaks": sorted(stanza_breaks)}


def _leading_tags(line: str, tags: dict[str, str], number: int, problems: Problems) -> tuple[list[int], str, str]:
    """Consume `[..]` tags at the start of a line: time stamps (returned) and ID tags (stored).

    Returns (stamps, rest of the line, kind) with kind "tags" when ID tags were read, "bad"
    when a malformed time tag was met (already reported), else "plain"."""
    stamps: list[int] = []
    kind = "plain"
    pos = 0
    while m := _TAG.match(line, pos):
        inner = m.group(1)
        ms = parse_clock(inner)
        if ms is not None:
            stamps.append(ms)
        elif _LOOKS_TIMED.match(inner) and any(ch.isdigit() for ch in inner):
            problems.report(f"bad time tag [{_clip(inner)}]; use [mm:ss.xx]", number)
            kind = "bad"
        elif not stamps and (idm := _ID_TAG.match(inner)):
            tags[idm.group(1).lower()] = idm.group(2).strip()
            kind = "tags" if kind == "plain" else kind
        else:
            break
        pos = m.end()
    rest = line[pos:]
    return stamps, (rest.strip() if stamps else rest), kind


def _split_words(rest: str) -> tuple[str, list[tuple[int, str]]]:
    """Strip enhanced `<mm:ss.xx>` word tags; return (text, [(stamp, word)]).

    Each word keeps its text as written, including the space after it, so the words
    concatenate to the text exactly (syllable karaoke `<..>Hel<..>lo` stays "Hello"). An
    empty last word is the end-of-line marker `<mm:ss.xx>` some writers add."""
    pieces = _WORD_TAG.split(rest)
    segments: list[list] = [[_LEAD_IN, pieces[0]]] if pieces[0] else []
    for i in range(1, len(pieces), 2):
        ms = parse_clock(pieces[i])
        if ms is None:  # `<3`, `<i>`: not a word tag, keep it as text
            if segments:
                segments[-1][1] += f"<{pieces[i]}>{pieces[i + 1]}"
            else:
                segments.append([_LEAD_IN, f"<{pieces[i]}>{pieces[i + 1]}"])
            continue
        segments.append([ms, pieces[i + 1]])
    text = "".join(seg for _, seg in segments).strip()
    if not any(t != _LEAD_IN for t, _ in segments):
        return text, []
    trim_outer_whitespace(segments)  # so the words still spell `text`
    return text, [(t, w) for t, w in segments if t != _LEAD_IN or w]


def _offset(tags: dict[str, str], problems: Problems) -> int:
    raw = tags.get("offset")
    if raw is None or not raw.strip():
        return 0
    m = _OFFSET.match(raw.strip())
    if not m:
        problems.report(f"bad [offset:{_clip(raw)}] (want e.g. [offset:+500]); ignored")
        return 0
    return int(m.group(2)) * (-1 if m.group(1) == "-" else 1)


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def format_lrc(
    blocks: list[Block],
    *,
    tags: dict[str, str] | None = None,
    millis: bool = False,
    enhanced: bool = False,
    offset_ms: int = 0,
) -> str:
    """LRC text for blocks (always pair with UTF-8).

    `tags` are written first in their order, EXCEPT `offset`: block times are already
    effective, so writing the old offset back would shift every line twice. To write an
    offset, pass `offset_ms`: stamps become effective + offset and `[offset:+N]` is written.
    Blocks with `stanza_break` get an untimed blank line before them."""
    step = 1 if millis else 10
    out = [f"[{key}:{value}]" for key, value in (tags or {}).items() if key.lower() != "offset"]
    if offset_ms:
        out.append(f"[offset:{offset_ms:+d}]")

    def stamp(ms: int) -> str:
        return f"[{format_lrc_time(ms + offset_ms, millis=millis)}]"

    for i, b in enumerate(blocks):
        end = round_to(b.end_ms, step)
        if b.stanza_break and out:
            out.append("")
        out.append(stamp(b.start_ms) + _line_text(b, enhanced, millis, offset_ms))
        out.extend(stamp(b.start_ms) + _one_line(s) for s in b.secondary.splitlines() if s.strip())
        nxt = round_to(blocks[i + 1].start_ms, step) if i + 1 < len(blocks) else None
        if nxt is None or end < nxt:
            out.append(stamp(b.end_ms))
    return "\n".join(out) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _line_text(b: Block, enhanced: bool, millis: bool, offset_ms: int) -> str:
    """Plain text, or word-tagged text when enhanced and the words spell the text exactly."""
    if not (enhanced and b.words and "".join(w.text for w in b.words) == b.text and "\n" not in b.text):
        return _one_line(b.text)
    return "".join(f"<{format_lrc_time(w.start_ms + offset_ms, millis=millis)}>{w.text}" for w in b.words)
