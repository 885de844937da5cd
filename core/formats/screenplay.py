"""CSV screenplays: `"prompt text",seconds` per line, or a header form with more columns.

Classic form (no header): `"A lighthouse in a storm",0` / `"Waves of glass",12.5` /
`"The End",61` / `"",70`. Each block ends where the next begins; an empty-text row is a stop
(a gap, or the last block's end); without one the last block ends at the song's end.

Header form: the first row names columns, any order, case-insensitive, by any usual name:
text (prompt, lyric, line, caption…), start (time, seconds, begin, from…), end (stop, until…),
style, seed, secondary (translation); a unit suffix `(ms)` / `_ms` means milliseconds.
`style` is `phrase:weight | phrase:weight` (-> Block.style.phrases, with style_mode "replace": the
row's phrases instead of the project's, the project's negatives kept); `seed` an integer.
Text is prompt syntax (Block.prompt_syntax True) unless a `syntax` column says `literal`.

Three optional columns carry what a project says about a block and the six columns cannot:
`negatives` (the block style's negative prompts, `text:weight | ...` as the editor's Negative
prompts field writes them: without the column they are written in `style` as negative weights,
which come back as phrases, and so ahead of the project's negatives in the add/replace modes),
`syntax` (`prompt`: the text is `text:weight:stop | ...`; `literal`: the whole text is one
prompt of weight 1, as imported lyrics are, so `Meet me at 9:30` stays words) and `style_mode`
(`add` / `replace` / `replace-all`, Block.style_mode). An empty cell, or no such column, means
what a screenplay row always meant: prompt syntax, and "replace" for a row with a style. Any
other value is refused in one line naming the line and the column.
Empty cells mean "not set". Export writes the six columns, always in the same order, then
`negatives` when a block style has negatives, `syntax` when a block is literal and
`style_mode` when a block's mode is not what its row would read as ("replace" for a styled
row; a mode not said, None, is written `replace-all`, what it means).

Times are seconds (`12.5`), `m:ss(.xx)` or `h:mm:ss(.xx)` (`0:03:10` is 190 s: spreadsheets
never mean `mm:ss:xx`). The delimiter is sniffed: `;` (what Excel writes where the decimal mark
is a comma, `12,5`) or tab when nearly every row splits into text and time on it, else `,`;
any other choice is reported in one warning line. Spaces after delimiters, quoted delimiters,
doubled quotes, quoted newlines and BOMs are all fine; text is trimmed.
"""

from __future__ import annotations

import csv
import io
import re

from dreamreel.core.errors import DreamreelError, FormatError
from dreamreel.core.formats.cues import Cue, Problems
from dreamreel.core.formats.timecodes import format_seconds, parse_time
from dreamreel.core.project import Block, Prompt, Style

COLUMNS = ("text", "start", "end", "style", "seed", "secondary")
OPTIONAL_COLUMNS = ("negatives", "syntax", "style_mode")  # written only when a block needs them
_KNOWN = COLUMNS + OPTIONAL_COLUMNS
_SYNTAX = {"prompt": True, "prompts": True, "literal": False}
_NAMES = {
    "text": ("text", "prompt", "prompts", "lyric", "lyrics", "line", "lines", "caption", "captions", "subtitle",
             "words", "scene", "description", "content"),
    "start": ("start", "time", "seconds", "second", "secs", "sec", "start time", "starttime", "begin", "from",
              "at", "timestamp", "timecode", "start at", "in"),
    "end": ("end", "stop", "until", "to", "end time", "endtime", "finish", "out"),
    "style": ("style", "styles", "look"),
    "seed": ("seed",),
    "secondary": ("secondary", "translation", "translated", "original"),
    "negatives": ("negatives", "negative", "negative prompts", "negative prompt", "style negatives"),
    "syntax": ("syntax", "prompt syntax", "text syntax"),
    "style_mode": ("style mode", "stylemode", "style modes"),
}
_ALIASES = {alias: name for name, aliases in _NAMES.items() for alias in aliases}
_UNITS = {"s": 1, "sec": 1, "secs": 1, "seconds": 1, "ms": 1000, "msec": 1000, "millis": 1000, "milliseconds": 1000}
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def parse_screenplay(text: str, problems: Problems) -> tuple[list[Cue], list[int]]:
    """Read a CSV screenplay (classic or header form) into (cues, stops).

    A row with a time but empty text is a stop: the block before it ends there (a gap). The
    delimiter (`,` `;` tab) is sniffed; a choice other than plain commas is reported in one line."""
    text = text.replace("\ufeff", "")
    delimiter = sniff_delimiter(text)
    rows = _rows(text, delimiter, problems)
    header = _header(rows[0][1]) if rows else None
    if header is None:
        parsed = [_classic_row(cells, line, problems) for line, cells in rows]
    else:
        for raw, (name, _) in zip(rows[0][1], header):
            if name not in _KNOWN:
                known = ", ".join(_KNOWN)
                problems.report(f"unknown column {raw!r} ignored (known: {known})", rows[0][0], always_warn=True)
        parsed = [_header_row(_named(header, cells), line, problems) for line, cells in rows[1:]]
    cells = [c for _, row in rows for c in row]
    if delimiter != "," or _decimal_commas(cells):
        commas = " with decimal commas" if _decimal_commas(cells) else ""
        problems.report(f"read as {_DELIMITER_NAMES[delimiter]}-separated CSV{commas}", always_warn=True)
    cues = [c for c in parsed if c is not None and c.text]
    stops = [c.start_ms for c in parsed if c is not None and not c.text]
    return cues, stops


def sniff_delimiter(text: str) -> str:
    """`\t` or `;` when (nearly) every row splits on it into a text and a time (or a header);
    else `,`. Semicolons are what spreadsheets write where the decimal mark is a comma."""
    lines = [line for line in text.splitlines() if line.strip()][:50]
    if not lines:
        return ","
    for delimiter in ("\t", ";"):
        if sum(delimiter in line for line in lines) < 0.8 * len(lines):
            continue
        try:
            rows = list(csv.reader(lines, delimiter=delimiter, skipinitialspace=True, strict=False))
        except csv.Error:
            continue
        fit = sum(1 for row in rows if len(row) >= 2 and (_header([c.strip() for c in row]) is not None or any(
            _time(c.strip()) is not None for c in row[1:])))
        if fit >= 0.8 * len(rows):
            return delimiter
    return ","


def _decimal_commas(cells: list[str]) -> bool:
    return any("," in c and _time(c) is not None for c in cells)


def _time(text: str, scale: int = 1) -> int | None:
    """Seconds, `m:ss(.xx)` or `h:mm:ss(.xx)` (spreadsheets never mean `mm:ss:xx`); ms columns: scale 1000."""
    ms = parse_time(text, colon_fraction=False)
    if ms is None or scale == 1:
        return ms
    return (ms + scale // 2) // scale


def _rows(text: str, delimiter: str, problems: Problems) -> list[tuple[int, list[str]]]:
    """(first line number, cells) for each non-blank CSV record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True, strict=False)
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


def _column(cell: str) -> tuple[str, int]:
    """A header cell -> (column name, time scale): `Start (ms)` -> ("start", 1000)."""
    words = re.sub(r"[^0-9a-z]+", " ", cell.lower()).split()
    name = " ".join(words)
    if name in _ALIASES:
        return _ALIASES[name], 1
    if len(words) > 1 and words[-1] in _UNITS:
        base = " ".join(words[:-1])
        if base in _ALIASES:
            return _ALIASES[base], _UNITS[words[-1]]
    return name or cell, 1


def _header(cells: list[str]) -> list[tuple[str, int]] | None:
    columns = [_column(c) for c in cells]
    names = [n for n, _ in columns]
    return columns if "text" in names and "start" in names else None


def _named(header: list[tuple[str, int]], cells: list[str]) -> dict:
    row: dict = {}
    for (name, scale), cell in zip(header, cells):
        if name in _KNOWN and name not in row:
            row[name] = cell
            row[name + "_scale"] = scale
    return row


def _classic_row(cells: list[str], line: int, problems: Problems) -> Cue | None:
    while len(cells) > 2 and not cells[-1]:
        cells = cells[:-1]  # trailing commas
    if len(cells) != 2:
        problems.report(f'expected "text",seconds but found {len(cells)} columns; quote text that has commas', line)
        return None
    start = _time(cells[1])
    if start is None:
        problems.report(f"bad time {cells[1][:40]!r}; use seconds (12.5), m:ss.xx or h:mm:ss.xx", line)
        return None
    return Cue(start, cells[0], line)


def _header_row(row: dict[str, str], line: int, problems: Problems) -> Cue | None:
    start = _time(row.get("start", ""), row.get("start_scale", 1))
    if start is None:
        problems.report(f"bad start time {row.get('start', '')[:40]!r}; use seconds (12.5), m:ss.xx or h:mm:ss.xx", line)
        return None
    end = None
    if row.get("end"):
        end = _time(row["end"], row.get("end_scale", 1))
        if end is None:
            problems.report(f"bad end time {row['end'][:40]!r}; left open (ends at the next start)", line)
    seed = None
    if row.get("seed"):
        try:
            seed = int(row["seed"])
        except ValueError:
            problems.report(f"bad seed {row['seed'][:40]!r}; must be a whole number, ignored", line)
    style = None
    if row.get("style") or row.get("negatives"):
        try:
            style = parse_style(row.get("style", ""))
        except DreamreelError as e:  # refused, as a weight out of range is when the project loads
            raise FormatError(f"style: {e}", path=problems.source, line=line) from None
        try:
            negatives = parse_style(row.get("negatives", ""))
        except DreamreelError as e:
            raise FormatError(f"negatives column: {e}", path=problems.source, line=line) from None
        if negatives is not None:
            style = Style(phrases=[] if style is None else style.phrases, negatives=negatives.phrases)
    syntax = _syntax_cell(row.get("syntax", ""), line, problems)
    mode = _style_mode_cell(row.get("style_mode", ""), line, problems)
    return Cue(start, row.get("text", ""), line, end_ms=end, secondary=row.get("secondary", ""), style=style, seed=seed,
               prompt_syntax=syntax, style_mode=mode)


def _syntax_cell(cell: str, line: int, problems: Problems) -> bool | None:
    """`prompt` -> True, `literal` -> False, empty -> None (the screenplay's default, True)."""
    if not cell:
        return None
    value = _SYNTAX.get(cell.lower())
    if value is None:  # refused: read the wrong way, a lyric's `9:30` would become a weight
        raise FormatError(f"syntax column: {cell[:40]!r} is not prompt or literal; write prompt (text:weight:stop "
                          f"| ...), literal (the whole text one prompt) or leave it empty",
                          path=problems.source, line=line)
    return value


def _style_mode_cell(cell: str, line: int, problems: Problems) -> str | None:
    """add / replace / replace-all (any case, `replace all` / `replace_all` too); empty -> None."""
    from dreamreel.core.project import STYLE_MODES

    if not cell:
        return None
    value = re.sub(r"[\s_]+", "-", cell.lower())
    if value not in STYLE_MODES:
        raise FormatError(f"style_mode column: {cell[:40]!r} is not one of {', '.join(STYLE_MODES)}; "
                          f"use one of them or leave it empty", path=problems.source, line=line)
    return value


def parse_style(text: str) -> Style | None:
    """`oil painting:1 | dark:0.5:0.2` -> Style(phrases=[...]), read by the one prompt grammar
    (core/engine/prompts.py); DreamreelError for a weight like `1e-1` or `inf`."""
    from dreamreel.core.engine.prompts import parse_style_prompts

    phrases = parse_style_prompts(text)
    return Style(phrases=phrases) if phrases else None


def format_style(style: Style | None) -> str:
    """Inverse of parse_style; negatives are written as negative weights."""
    if style is None:
        return ""
    from dreamreel.core.engine.prompts import _decimal

    prompts = list(style.phrases) + [Prompt(p.text, -abs(p.weight), p.stop) for p in style.negatives]
    return " | ".join(f"{p.text}:{_decimal(p.weight)}" + ("" if p.stop is None else f":{_decimal(p.stop)}")
                      for p in prompts)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _syntax_value(block: Block) -> str:
    """The `syntax` cell: `literal` for a literal block, else `prompt` (None reads the grammar too)."""
    from dreamreel.core.engine.prompts import uses_prompt_syntax

    return "prompt" if uses_prompt_syntax(block) else "literal"


def _style_mode_value(block: Block) -> str:
    """The `style_mode` cell: the block's mode; a styled block's None is written `replace-all`,
    what None means (block_style), since an empty cell on a styled row reads as "replace"."""
    if block.style_mode is None and block.style is not None:
        return "replace-all"
    return block.style_mode or ""


def _read_style_mode(block: Block) -> str:
    """The mode a row for `block` reads as without a style_mode column."""
    return "replace" if block.style is not None else ""


def optional_columns(blocks: list[Block]) -> tuple[str, ...]:
    """The optional columns `blocks` need: `negatives` when a block style has some, `syntax` when one is literal, `style_mode` when one's
    mode differs from what its row would read as without the column."""
    from dreamreel.core.engine.prompts import uses_prompt_syntax

    needed = []
    if any(b.style is not None and b.style.negatives for b in blocks):
        needed.append("negatives")
    if not all(uses_prompt_syntax(b) for b in blocks):
        needed.append("syntax")
    if any(_style_mode_value(b) != _read_style_mode(b) for b in blocks):
        needed.append("style_mode")
    return tuple(needed)


def needs_header(blocks: list[Block], duration_ms: int | None = None) -> bool:
    """True when the classic form would lose something or say it less plainly: a style, a seed,
    a secondary text, a gap between blocks, a literal block or a style mode the row would not
    read as (`duration_ms` is accepted for callers; the classic form's final `"",END` row keeps
    the last end either way)."""
    if optional_columns(blocks):
        return True
    for i, b in enumerate(blocks):
        if b.style is not None or b.seed is not None or b.secondary:
            return True
        if i + 1 < len(blocks) and b.end_ms != blocks[i + 1].start_ms:
            return True
    return False


def format_screenplay(blocks: list[Block], *, header: bool | None = None, duration_ms: int | None = None,
                      classic: bool = False) -> str:
    """CSV text. `classic`: `"text",seconds` rows, a `"",seconds` row where a gap follows a
    block, and a final `"",END` row so the last end survives (styles, seeds and secondary
    texts, syntax and style modes are not written: the rows come back as prompt syntax).
    Otherwise the header form `text,start,end,style,seed,secondary` (always all six columns,
    then `negatives` / `syntax` / `style_mode` when optional_columns says so) when `header` is True or
    needs_header says so, else classic."""
    if not classic:
        classic = not (needs_header(blocks, duration_ms) if header is None else header)
    if classic:
        rows = []
        for i, b in enumerate(blocks):
            rows.append(f"{_quote(b.text)},{format_seconds(b.start_ms)}")
            if i + 1 == len(blocks) or b.end_ms != blocks[i + 1].start_ms:
                rows.append(f'"",{format_seconds(b.end_ms)}')
        return "\n".join(rows) + "\n"
    columns = COLUMNS + optional_columns(blocks)
    lines = [",".join(columns)]
    own_negatives = "negatives" in columns
    for b in blocks:
        style, negatives = b.style, ""
        if own_negatives and style is not None:
            negatives = format_style(Style(phrases=style.negatives))
            style = Style(phrases=style.phrases)
        cells = {
            "text": _quote(b.text),
            "start": format_seconds(b.start_ms),
            "end": format_seconds(b.end_ms),
            "style": _quote(format_style(style)),
            "negatives": _quote(negatives),
            "seed": "" if b.seed is None else str(b.seed),
            "secondary": _quote(b.secondary),
            "syntax": _syntax_value(b),
            "style_mode": _style_mode_value(b),
        }
        lines.append(",".join(cells[c] for c in columns))
    return "\n".join(lines) + "\n"
