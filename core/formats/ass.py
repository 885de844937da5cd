"""ASS / SSA (Aegisub, what lyric timers write): sections, a `Format:` line, Dialogue lines.

Reading: `[Script Info]`, `[V4+ Styles]` (`[V4 Styles]` for SSA) and the rest are kept verbatim
as the file's head, so writing back keeps its styles and resolution. In `[Events]`, the
`Format:` line names the fields (default: the ASS ten, or SSA's with `Marked`); each
`Dialogue:` line is a cue (`Text` is the last field and may hold commas), times `h:mm:ss.cc`.
The block text is `Text` without override blocks (`\\N` a line break), `{\\k}` karaoke gives
word times (see `markup`); Layer, Style, Name, margins and Effect are kept per cue (`RawCue`).
`Comment:` lines are not shown, so they are skipped, except Aegisub's karaoke templater
output: when Dialogue lines are generated `fx` lines and Comment lines are the `karaoke`
originals, the originals are read (one clean line each, with their syllable timings).

Writing: a default head (or the one read), then a Dialogue line per block rounded half-up to
the centisecond, `\\N` for line breaks, `\\{` `\\}` for braces in text (libass shows them), a
secondary text as a second Dialogue line at the same time, and with `enhanced` `{\\k}`
karaoke from word times. An unedited cue read from an ASS file is written back verbatim.
"""

from __future__ import annotations

import re

from dreamreel.core.formats.cues import Cue, Problems
from dreamreel.core.formats.markup import RawCue, ass_words, word_timings
from dreamreel.core.formats.timecodes import format_ass_time, parse_clock, round_to
from dreamreel.core.project import Block

ASS_FIELDS = ("Layer", "Start", "End", "Style", "Name", "MarginL", "MarginR", "MarginV", "Effect", "Text")
SSA_FIELDS = ("Marked",) + ASS_FIELDS[1:]
_LINES = re.compile(r"\r\n|\r|\n")
_SECTION = re.compile(r"^\s*\[([^\[\]]+)\]\s*$")
_EVENT = re.compile(r"^\s*(Dialogue|Comment)\s*:\s?(.*)$", re.I | re.S)
_FORMAT = re.compile(r"^\s*Format\s*:(.*)$", re.I)
_OPEN, _CLOSE = "\ue000", "\ue001"  # stand-ins for the escaped braces `\{` `\}` while parsing

DEFAULT_HEAD = """[Script Info]
; Written by Dreamreel
ScriptType: v4.00+
PlayResX: 1280
PlayResY: 720
WrapStyle: 0
ScaledBorderAndShadow: yes

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, \
MarginV, Encoding
Style: Default,Arial,48,&H00FFFFFF,&H000000FF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,2,1,2,40,40,40,1"""


def parse_ass(text: str, problems: Problems) -> tuple[list[Cue], str]:
    """Read ASS/SSA text into (cues, head): `head` is every section before `[Events]`."""
    lines = _LINES.split(text.replace("\ufeff", ""))
    section = ""
    head: list[str] = []
    fields: list[str] | None = None
    ssa = False
    events: list[tuple[int, str, dict[str, str]]] = []
    seen_events = False
    for number, line in enumerate(lines, start=1):
        if m := _SECTION.match(line):
            section = m.group(1).strip().lower()
            ssa = ssa or section == "v4 styles"
            seen_events = seen_events or section == "events"
            if section != "events" and not seen_events:
                head.append(line.rstrip())
            continue
        if section != "events":
            if not seen_events:
                head.append(line.rstrip())
            if "scripttype" in line.lower() and "v4.00+" not in line.lower() and "v4.00" in line.lower():
                ssa = True
            continue
        if m := _FORMAT.match(line):
            fields = [f.strip().lower() for f in m.group(1).split(",")]
            if "text" not in fields or "start" not in fields or "end" not in fields:
                problems.report("the [Events] Format line has no Start, End or Text; using the standard one", number)
                fields = None
            continue
        if not (m := _EVENT.match(line)):
            continue
        names = fields or [f.lower() for f in (SSA_FIELDS if ssa else ASS_FIELDS)]
        # Text is last in every real file; split so that its commas stay in it.
        if names[-1] != "text":
            problems.report("Text is not the last field of the Format line; cannot read this line", number)
            continue
        values = m.group(2).split(",", len(names) - 1)
        if len(values) < len(names):
            problems.report(f"{m.group(1)} line has {len(values)} fields, the Format line names {len(names)}; skipped",
                            number)
            continue
        row = dict(zip(names, values))
        row["kind"] = m.group(1).lower()
        events.append((number, row["kind"], row))
    karaoke = any(k == "comment" and r.get("effect", "").strip().lower() == "karaoke" for _, k, r in events) and any(
        k == "dialogue" and r.get("effect", "").strip().lower() == "fx" for _, k, r in events
    )
    cues: list[Cue] = []
    for number, kind, row in events:
        effect = row.get("effect", "").strip().lower()
        if karaoke:
            if not (kind == "comment" and effect == "karaoke"):
                continue
        elif kind != "dialogue":
            continue
        cue = _cue(row, number, problems)
        if cue is not None:
            cues.append(cue)
    return cues, "\n".join(head).strip()


def _cue(row: dict[str, str], number: int, problems: Problems) -> Cue | None:
    start, end = parse_clock(row["start"]), parse_clock(row["end"])
    if start is None or end is None:
        problems.report("bad time; use h:mm:ss.cc (0:01:02.50)", number)
        return None
    raw = row["text"]
    escaped = raw.replace("\\{", _OPEN).replace("\\}", _CLOSE)
    text, words = ass_words(escaped, start)
    text = text.replace(_OPEN, "{").replace(_CLOSE, "}")
    words = [(t, w.replace(_OPEN, "{").replace(_CLOSE, "}")) for t, w in words]
    if not text:
        problems.report("line has no text (only override tags or a drawing); skipped", number, always_warn=True)
        return None
    kept = {k: v.strip() for k, v in row.items() if k not in ("start", "end", "text", "kind")}
    return Cue(start, text, number, end_ms=end, words=word_timings(words), raw=RawCue("ass", raw, text, kept))


def _escape(text: str) -> str:
    return "\\N".join(
        " ".join(line.split()).replace("{", "\\{").replace("}", "\\}") for line in text.splitlines() if line.strip()
    )


def format_ass(blocks: list[Block], *, markup: dict | None = None, header: str = "", enhanced: bool = False) -> str:
    """ASS text. `markup` ({block id: RawCue}) and `header` come from reading an ASS file:
    unedited lines keep their override tags, style, layer and name. `enhanced` writes karaoke."""
    head = header if "[script info]" in header.lower() and "styles]" in header.lower() else DEFAULT_HEAD
    ssa = "[v4 styles]" in head.lower()
    names = SSA_FIELDS if ssa else ASS_FIELDS
    out = [head.rstrip(), "", "[Events]", "Format: " + ", ".join(names)]
    for b in blocks:
        raw = (markup or {}).get(b.id)
        fields = {"Layer": "0", "Marked": "Marked=0", "Style": "Default", "Name": "", "MarginL": "0",
                  "MarginR": "0", "MarginV": "0", "Effect": ""}
        if raw is not None and raw.fmt == "ass":
            for name in names:
                if name.lower() in raw.fields:
                    fields[name] = raw.fields[name.lower()]
        if fields.get("Effect", "").lower() == "karaoke":
            fields["Effect"] = ""  # read from a templater's original: written as a shown line
        fields["Start"], fields["End"] = format_ass_time(b.start_ms), format_ass_time(b.end_ms)
        unedited = raw is not None and raw.fmt == "ass" and raw.plain == b.text
        fields["Text"] = raw.text if unedited else _karaoke(b) if enhanced else _escape(b.text)
        out.append("Dialogue: " + ",".join(fields.get(n, "") for n in names))
        if b.secondary.strip():
            fields["Text"] = _escape(b.secondary)
            out.append("Dialogue: " + ",".join(fields.get(n, "") for n in names))
    return "\n".join(out) + "\n"


def _karaoke(b: Block) -> str:
    """`{\\k}` karaoke from the words (centisecond durations, with a lead-in), when they spell
    the text; else the plain text."""
    if not b.words or "".join(w.text for w in b.words) != b.text or "\n" in b.text:
        return _escape(b.text)
    parts = []
    marks = [round_to(w.start_ms, 10) for w in b.words] + [round_to(b.end_ms, 10)]
    start = round_to(b.start_ms, 10)
    if marks[0] > start:
        parts.append(f"{{\\k{(marks[0] - start) // 10}}}")
    for k, w in enumerate(b.words):
        length = max(marks[k + 1] - marks[k], 0) // 10
        parts.append(f"{{\\k{length}}}" + w.text.replace("{", "\\{").replace("}", "\\}"))
    return "".join(parts)
