"""Lyrics and screenplay files: LRC, CSV screenplay, SRT, Audacity labels, both ways.

    lyrics = read_lyrics("song.lrc", duration_ms=song_ms)   # -> Lyrics(blocks, tags, warnings…)
    write_lyrics("song.srt", lyrics.blocks)                  # atomic, UTF-8

Every parser returns blocks that pass `validate_blocks(blocks, duration_ms)`: sorted, no
overlaps, at least MIN_BLOCK_MS long. The shared end/merge rules live in `cues.py`, the
per-format details in each module's docstring. Lenient mode (the default) skips bad lines and
lists them in `Lyrics.warnings` as `file:line: why`; `strict=True` raises FormatError on the
first. Anything unreadable raises FormatError (one line), never another exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dreamreel.core.atomic import atomic_write_text
from dreamreel.core.errors import FormatError
from dreamreel.core.formats.cues import DEFAULT_LAST_MS, Problems, build_blocks
from dreamreel.core.formats.encoding import decode_text
from dreamreel.core.formats.labels import format_labels, parse_labels
from dreamreel.core.formats.lrc import format_lrc, parse_lrc
from dreamreel.core.formats.screenplay import format_screenplay, parse_screenplay
from dreamreel.core.formats.srt import format_srt, parse_srt
from dreamreel.core.project import Block

FORMATS = ("lrc", "csv", "srt", "labels")
EXTENSIONS = {".lrc": "lrc", ".csv": "csv", ".srt": "srt", ".txt": "labels", ".labels": "labels"}
_ALIASES = {"screenplay": "csv", "audacity": "labels", "txt": "labels", "label": "labels"}

__all__ = [
    "DEFAULT_LAST_MS", "EXTENSIONS", "FORMATS", "Lyrics", "decode_text", "format_for_path",
    "format_lyrics", "parse_lyrics", "read_lyrics", "write_lyrics",
]


@dataclass
class Lyrics:
    """What a lyrics file holds, with effective times (LRC offset already applied)."""

    blocks: list[Block]
    tags: dict[str, str] = field(default_factory=dict)  # LRC ID tags in file order, keys lower-case
    warnings: list[str] = field(default_factory=list)  # lenient mode: "file:line: why"
    offset_ms: int = 0  # the LRC [offset:] that was applied


def format_for_path(path: str | Path, fmt: str | None = None) -> str:
    """The format name for `fmt` (aliases allowed) or, when None, for the file's extension."""
    if fmt is not None:
        name = _ALIASES.get(fmt.lower(), fmt.lower())
        if name not in FORMATS:
            raise FormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", path=str(path))
        return name
    name = EXTENSIONS.get(Path(path).suffix.lower())
    if name is None:
        raise FormatError(
            f"cannot tell the format from the extension {Path(path).suffix!r}; "
            f"use .lrc, .csv, .srt or .txt (labels), or name the format", path=str(path)
        )
    return name


def read_lyrics(
    path: str | Path,
    *,
    fmt: str | None = None,
    strict: bool = False,
    encoding: str | None = None,
    duration_ms: int | None = None,
) -> Lyrics:
    """Read a lyrics/screenplay file. `fmt` None -> from the extension; `encoding` None ->
    detected (BOM, UTF-8, UTF-16, legacy code pages); `duration_ms` = the song's length, which
    ends the last block and cuts anything past it."""
    fmt = format_for_path(path, fmt)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise FormatError("no such file; check the path", path=str(path)) from None
    except OSError as e:
        raise FormatError(f"cannot read the file ({e.strerror or e})", path=str(path)) from None
    text = decode_text(data, encoding, source=str(path))
    return parse_lyrics(text, fmt, strict=strict, duration_ms=duration_ms, source=str(path))


def parse_lyrics(
    text: str, fmt: str, *, strict: bool = False, duration_ms: int | None = None, source: str = "<text>"
) -> Lyrics:
    """Parse already-decoded text in one of FORMATS; `source` names it in messages."""
    fmt = format_for_path(source, fmt)
    problems = Problems(source, strict)
    if fmt == "lrc":
        cues, stops, tags, extra = parse_lrc(text, problems)
        blocks = build_blocks(cues, problems, stops=stops, length_ms=extra["length_ms"], duration_ms=duration_ms)
        breaks = set(extra["stanza_breaks"])  # untimed blank lines before these starts
        for b in blocks:
            b.stanza_break = b.start_ms in breaks
        return Lyrics(blocks, tags, problems.warnings, extra["offset_ms"])
    if fmt == "csv":
        cues, stops = parse_screenplay(text, problems)
        what = "screenplay rows"
    elif fmt == "srt":
        cues, stops = parse_srt(text, problems), []
        what = "subtitle cues"
    else:
        cues, stops = parse_labels(text, problems)
        what = "labels"
    blocks = build_blocks(cues, problems, stops=stops, duration_ms=duration_ms, what=what)
    return Lyrics(blocks, {}, problems.warnings)


def format_lyrics(
    blocks: list[Block],
    fmt: str,
    *,
    tags: dict[str, str] | None = None,
    millis: bool = False,
    enhanced: bool = False,
    offset_ms: int = 0,
    header: bool | None = None,
    duration_ms: int | None = None,
) -> str:
    """Text of `blocks` in `fmt`, which reads back to the same blocks (within the format's grid).

    LRC: `tags` are written except `offset` (times are effective already; pass `offset_ms` to
    write one), `millis` writes `.xxx`, `enhanced` writes word tags, a blank line before each `stanza_break` block.
    CSV: classic form unless `header` or the data needs it; `duration_ms` tells whether the last
    block ends at the song's end. SRT and labels take no options."""
    fmt = format_for_path("<output>", fmt)
    if fmt == "lrc":
        return format_lrc(
            blocks, tags=tags, millis=millis, enhanced=enhanced, offset_ms=offset_ms
        )
    if fmt == "csv":
        return format_screenplay(blocks, header=header, duration_ms=duration_ms)
    if fmt == "srt":
        return format_srt(blocks)
    return format_labels(blocks)


def write_lyrics(path: str | Path, blocks: list[Block], fmt: str | None = None, **kw) -> None:
    """Write `blocks` to `path` atomically as UTF-8; `fmt` None -> from the extension; `kw` as
    for format_lyrics."""
    fmt = format_for_path(path, fmt)
    atomic_write_text(path, format_lyrics(blocks, fmt, **kw))
