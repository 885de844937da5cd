"""WebVTT (what YouTube and web players give): `WEBVTT` header, then blocks split by blank lines.

Reading: the `WEBVTT` line (with a BOM, or text after it) starts the file; a file without it is
read with a warning. Blocks are cues (`[identifier]` / `start --> end [settings]` / payload
lines), `NOTE` comments, or `STYLE` / `REGION` definitions (skipped). Times are
`[hh:]mm:ss.ttt` (hours optional; `,` tolerated). Cue settings (`align:start line:0`) and
identifiers are kept verbatim in `RawCue` for writing back; the block text is the payload
without spans and entities (see `markup`), and inline `<00:01.500>` timestamps become word
times. YouTube's rolling captions repeat a line in the next cue; identical cues collapse.

Writing: `WEBVTT`, then numbered-free cues `hh:mm:ss.mmm --> hh:mm:ss.mmm` with `&`, `<`, `>`
escaped, secondary text as a second cue with the same times, `-->` never written in text, and with `enhanced`
inline word timestamps. An unedited cue read from a VTT file is written back verbatim.
"""

from __future__ import annotations

import re

from dreamreel.core.formats.cues import Cue, Problems
from dreamreel.core.formats.markup import RawCue, vtt_words, word_timings
from dreamreel.core.formats.timecodes import format_vtt_time, parse_clock
from dreamreel.core.project import Block

_TIMING = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)(?:\s+(.*?))?\s*$")
_LINES = re.compile(r"\r\n|\r|\n")
_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")


def parse_vtt(text: str, problems: Problems) -> tuple[list[Cue], str]:
    """Read WebVTT text into (cues, header): `header` is everything before the first cue
    (the WEBVTT line, STYLE and REGION blocks, NOTEs), kept for writing back."""
    lines = _LINES.split(text.replace("\ufeff", ""))
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start < len(lines) and _HEADER.match(lines[start].strip()):
        while start < len(lines) and lines[start].strip() and "-->" not in lines[start]:  # `Kind: captions`…
            start += 1
    else:
        problems.report("no WEBVTT header line; read as WebVTT anyway", start + 1 if lines else None, always_warn=True)
    cues: list[Cue] = []
    head_end: int | None = None
    i = start
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].strip():
            j += 1
        block = lines[i:j]
        cue = _cue(block, i + 1, problems)
        if cue is not None:
            if head_end is None:
                head_end = i
            cues.append(cue)
        i = j
    head = "\n".join(line.rstrip() for line in lines[: head_end if head_end is not None else len(lines)]).strip()
    return cues, head


def _cue(block: list[str], first: int, problems: Problems) -> Cue | None:
    word = block[0].split(None, 1)[0] if block[0].split() else ""
    if word in ("NOTE", "STYLE", "REGION") and "-->" not in block[0]:
        return None
    timing_at = 0 if "-->" in block[0] else 1 if len(block) > 1 and "-->" in block[1] else None
    if timing_at is None:
        problems.report(f"block {block[0].strip()[:40]!r} has no timing line; skipped", first)
        return None
    number = first + timing_at
    m = _TIMING.match(block[timing_at])
    start = parse_clock(m.group(1)) if m else None
    end = parse_clock(m.group(2)) if m else None
    if start is None or end is None:
        problems.report("bad timing line; use 00:01.000 --> 00:04.000 (hours optional)", number)
        return None
    payload = "\n".join(line.strip() for line in block[timing_at + 1:])
    text, words = vtt_words(payload, start)
    if not text:
        problems.report("cue has no text; skipped", number, always_warn=True)
        return None
    cue = Cue(start, text, number, end_ms=end, words=word_timings(words))
    ident = block[0].strip() if timing_at == 1 else ""
    settings = (m.group(3) or "").strip()
    if ident or settings or payload != text:
        cue.raw = RawCue("vtt", payload, text, {"id": ident, "settings": settings})
    return cue


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # so `-->` is `--&gt;`


def format_vtt(blocks: list[Block], *, markup: dict | None = None, header: str = "", enhanced: bool = False) -> str:
    """WebVTT text. `markup` ({block id: RawCue}) and `header` come from reading a VTT file:
    unedited cues keep their identifier, settings and spans. `enhanced` writes word times."""
    head = header if header.startswith("WEBVTT") else "WEBVTT"
    out = [head]
    for b in blocks:
        raw = (markup or {}).get(b.id)
        timing = f"{format_vtt_time(b.start_ms)} --> {format_vtt_time(b.end_ms)}"
        if raw is not None and raw.fmt == "vtt" and raw.plain == b.text:
            ident, settings = raw.fields.get("id", ""), raw.fields.get("settings", "")
            lines = ([ident] if ident else []) + [timing + (f" {settings}" if settings else "")]
            lines += [ln for ln in raw.text.splitlines() if ln.strip()]
        else:
            lines = [timing, *_payload(b, enhanced)]
        out.append("\n".join(lines))
        second = [_escape(ln.strip()) for ln in b.secondary.splitlines() if ln.strip()]
        if second:  # its own cue at the same time: players stack both, readers merge them back
            out.append("\n".join([timing, *second]))
    return "\n\n".join(out) + "\n"


def _payload(b: Block, enhanced: bool) -> list[str]:
    if enhanced and b.words and "".join(w.text for w in b.words) == b.text and "\n" not in b.text:
        return ["".join(f"<{format_vtt_time(w.start_ms)}>{_escape(w.text)}" for w in b.words)]
    return [_escape(ln.strip()) for ln in b.text.splitlines() if ln.strip()]
