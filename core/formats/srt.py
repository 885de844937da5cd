"""SubRip (SRT): `index` / `00:00:01,000 --> 00:00:04,000` / text lines / blank line.

Tolerated on reading: `.` instead of `,`, hours left out, a missing index, extra blank lines
(also inside a cue's text: text runs until the next timing line), position suffixes after the
end time (`X1:..`), BOMs. A cue's text lines are joined with newlines. Styling (`<i>`, `<b>`,
`<font color=…>`, `{\an8}`) is removed from the block text and kept verbatim (`RawCue`) so an
unedited cue is written back as it was. On writing, a block's secondary text becomes extra text
lines (SRT has no place for it, so it reads back as text), and a `-->` in text is written with
an invisible zero-width space (`markup.ARROW_ESCAPE`), since readers take it as a timing line.
"""

from __future__ import annotations

import re

from dreamreel.core.formats.cues import Cue, Problems
from dreamreel.core.formats.markup import ARROW_ESCAPE, RawCue, strip_srt
from dreamreel.core.formats.timecodes import format_srt_time, parse_clock
from dreamreel.core.project import Block

_TIMING = re.compile(r"^\s*(\S(?:.*?\S)?)\s*-->\s*(\S+(?:\s*[.,]\s*\d+)?)(?:\s+.*)?$")
_INDEX = re.compile(r"^\s*\d{1,9}\s*$", re.ASCII)
_LINES = re.compile(r"\r\n|\r|\n")


def parse_srt(text: str, problems: Problems) -> list[Cue]:
    """Read SRT text into cues with explicit ends."""
    lines = _LINES.split(text.replace("\ufeff", ""))
    cues: list[Cue] = []
    current: Cue | None = None
    skipping = False  # inside a cue whose timing line was bad (already reported)
    body: list[str] = []

    def close() -> None:
        if current is not None:
            raw = "\n".join(body)
            current.text = strip_srt(raw)
            if current.text != raw:
                current.raw = RawCue("srt", raw, current.text)
            if current.text:
                cues.append(current)
            else:
                problems.report("cue has no text; skipped", current.line, always_warn=True)

    for i, line in enumerate(lines):
        number = i + 1
        timing = _TIMING.match(line) if "-->" in line else None
        if timing:
            close()
            current, body = _cue(timing, number, problems), []
            skipping = current is None
            continue
        if _INDEX.match(line) and i + 1 < len(lines) and "-->" in lines[i + 1]:
            continue  # the index of the next cue
        if not line.strip() or skipping:
            continue
        if current is None:
            problems.report(f"text {line.strip()[:40]!r} before any timing line; skipped", number)
            continue
        body.append(line.strip())
    close()
    return cues


def _cue(m: re.Match, number: int, problems: Problems) -> Cue | None:
    start, end = parse_clock(m.group(1)), parse_clock(m.group(2))
    if start is None or end is None:
        problems.report("bad timing line; use 00:00:01,000 --> 00:00:04,000", number)
        return None
    return Cue(start, "", number, end_ms=end)


def format_srt(blocks: list[Block], markup: dict | None = None) -> str:
    """SRT text: numbered cues, `hh:mm:ss,mmm` times, secondary text as extra lines. `markup`
    ({block id: RawCue}, from reading an SRT) gives unedited cues their styling back."""
    out = []
    for i, b in enumerate(blocks, start=1):
        raw = (markup or {}).get(b.id)
        if raw is not None and raw.fmt == "srt" and raw.plain == b.text:
            text = raw.text
        else:
            text = b.text.replace("-->", ARROW_ESCAPE)
        lines = [ln.strip() for ln in (text + "\n" + b.secondary.replace("-->", ARROW_ESCAPE)).splitlines() if ln.strip()]
        out.append(f"{i}\n{format_srt_time(b.start_ms)} --> {format_srt_time(b.end_ms)}\n" + "\n".join(lines) + "\n")
    return "\n".join(out)
