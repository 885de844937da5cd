"""CSV screenplays: `"prompt text",seconds` per line, or a header form with more columns.

Classic form (no header): `"A lighthouse in a storm",0` / `"Waves of glass",12.5` /
`"The End",61`. Each block ends where the next begins; the last at the song's end.

Header form: the first row names columns, any order, case-insensitive:
`text,start[,end][,style][,seed][,secondary]`. `style` is `phrase:weight | phrase:weight`
(-> Block.style.phrases); `seed` an integer. Empty cells mean "not set".

Times are seconds (`12.5`) or clocks (`1:02.5`, `00:01:02.5`). Spaces after commas, quoted
commas, doubled quotes, quoted newlines and BOMs are all fine; text is trimmed.
"""

from __future__ import annotations

import csv
import io
import re

from dreamreel.core.formats.cues import Cue, Problems
from dreamreel.core.formats.timecodes import format_seconds, parse_time
from dreamreel.core.project import Block, Prompt, Style

COLUMNS = ("text", "start", "end", "style", "seed", "secondary")
_ALIASES = {"prompt": "text", "time": "start", "start_s": "start", "end_s": "end", "translation": "secondary"}
_WEIGHT = re.compile(r"^(?P<text>.*?):\s*(?P<weight>[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?)\s*$", re.S | re.I)


def parse_screenplay(text: str, problems: Problems) -> tuple[list[Cue], list[int]]:
    """Read a CSV screenplay (classic or header form) into (cues, stops).

    A row with a time but empty text is a stop: the block before it ends there (a gap)."""
    rows = _rows(text.replace("\ufeff", ""), problems)
    header = _header(rows[0][1]) if rows else None
    if header is None:
        parsed = [_classic_row(cells, line, problems) for line, cells in rows]
    else:
        for name in header:
            if name not in COLUMNS:
                known = ", ".join(COLUMNS)
                problems.report(f"unknown column {name!r} ignored (known: {known})", rows[0][0], always_warn=True)
        parsed = [_header_row(dict(zip(header, cells)), line, problems) for line, cells in rows[1:]]
    cues = [c for c in parsed if c is not None and c.text]
    stops = [c.start_ms for c in parsed if c is not None and not c.text]
    return cues, stops


def _rows(text: str, problems: Problems) -> list[tuple[int, list[str]]]:
    """(first line number, cells) for each non-blank CSV record."""
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=False)
    rows = []
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.report(f"unreadable CSV row ({e}); check its quotes", reader.line_num)
            line = reader.line_num + 1
            continue
        cells = [c.strip() for c in cells]
        if any(cells):
            rows.append((line, cells))
        line = reader.line_num + 1
    return rows


def _header(cells: list[str]) -> list[str] | None:
    names = [_ALIASES.get(c.lower(), c.lower()) for c in cells]
    return names if "text" in names and "start" in names else None


def _classic_row(cells: list[str], line: int, problems: Problems) -> Cue | None:
    while len(cells) > 2 and not cells[-1]:
        cells = cells[:-1]  # trailing commas
    if len(cells) != 2:
        problems.report(f'expected "text",seconds but found {len(cells)} columns; quote text that has commas', line)
        return None
    start = parse_time(cells[1])
    if start is None:
        problems.report(f"bad time {cells[1][:40]!r}; use seconds (12.5) or mm:ss.xx", line)
        return None
    return Cue(start, cells[0], line)


def _header_row(row: dict[str, str], line: int, problems: Problems) -> Cue | None:
    start = parse_time(row.get("start", ""))
    if start is None:
        problems.report(f"bad start time {row.get('start', '')[:40]!r}; use seconds (12.5) or mm:ss.xx", line)
        return None
    end = None
    if row.get("end"):
        end = parse_time(row["end"])
        if end is None:
            problems.report(f"bad end time {row['end'][:40]!r}; left open (ends at the next start)", line)
    seed = None
    if row.get("seed"):
        try:
            seed = int(row["seed"])
        except ValueError:
            problems.report(f"bad seed {row['seed'][:40]!r}; must be a whole number, ignored", line)
    style = parse_style(row["style"]) if row.get("style") else None
    return Cue(start, row.get("text", ""), line, end_ms=end, secondary=row.get("secondary", ""), style=style, seed=seed)


def parse_style(text: str) -> Style | None:
    """`oil painting:1 | dark:0.5` -> Style(phrases=[...]); a colon not before a number is text."""
    phrases = []
    for part in text.split("|"):
        part = part.strip()
        m = _WEIGHT.match(part)
        if m and m.group("text").strip():
            phrases.append(Prompt(m.group("text").strip(), float(m.group("weight"))))
        elif part:
            phrases.append(Prompt(part, 1.0))
    return Style(phrases=phrases) if phrases else None


def format_style(style: Style | None) -> str:
    """Inverse of parse_style; negatives are written as negative weights."""
    if style is None:
        return ""
    prompts = list(style.phrases) + [Prompt(p.text, -abs(p.weight)) for p in style.negatives]
    return " | ".join(f"{p.text}:{_number(p.weight)}" for p in prompts)


def _number(x: float) -> str:
    short = format(x, "g")
    return short if float(short) == x else repr(x)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def needs_header(blocks: list[Block], duration_ms: int | None = None) -> bool:
    """True when the classic form would lose something: a gap, an end before the song's end
    (when known), a style, a seed or a secondary text."""
    for i, b in enumerate(blocks):
        if b.style is not None or b.seed is not None or b.secondary:
            return True
        nxt = blocks[i + 1].start_ms if i + 1 < len(blocks) else duration_ms
        if nxt is not None and b.end_ms != nxt:
            return True
    return False


def format_screenplay(blocks: list[Block], *, header: bool | None = None, duration_ms: int | None = None) -> str:
    """CSV text. Classic form unless `header` is True or the classic form would lose data
    (see needs_header). Without `duration_ms`, the classic form assumes the last block ends
    at the song's end."""
    if header is None:
        header = needs_header(blocks, duration_ms)
    if not header:
        return "".join(f"{_quote(b.text)},{format_seconds(b.start_ms)}\n" for b in blocks)
    cols = ["text", "start", "end"]
    cols += [c for c, on in (("style", any(b.style for b in blocks)), ("seed", any(b.seed is not None for b in blocks)),
                             ("secondary", any(b.secondary for b in blocks))) if on]
    lines = [",".join(cols)]
    for b in blocks:
        cells = {
            "text": _quote(b.text),
            "start": format_seconds(b.start_ms),
            "end": format_seconds(b.end_ms),
            "style": _quote(format_style(b.style)),
            "seed": "" if b.seed is None else str(b.seed),
            "secondary": _quote(b.secondary),
        }
        lines.append(",".join(cells[c] for c in cols))
    return "\n".join(lines) + "\n"
