"""Lyrics and screenplay files: LRC, CSV screenplay, SRT, WebVTT, ASS/SSA, Audacity labels, both ways.

    lyrics = read_lyrics("song.lrc", duration_ms=song_ms)   # -> Lyrics(blocks, tags, warnings…)
    write_lyrics("song.srt", lyrics.blocks)                  # atomic, UTF-8

Every parser returns blocks that pass `validate_blocks(blocks, duration_ms)`: sorted, no
overlaps, at least MIN_BLOCK_MS long. The shared end/merge rules live in `cues.py`, the
per-format details in each module's docstring. Lenient mode (the default) skips bad lines and
lists them in `Lyrics.warnings` as `file:line: why`; `strict=True` raises FormatError on the
first. Anything unreadable raises FormatError (one line), never another exception.

`TABLE` is the one list of formats: name, title, extensions and the writer options each takes.
The CLI's `--format` choices and the editor's Import/Export menus and file-dialog filters are
built from it, so a format added here shows up everywhere.

Blocks read from LRC, SRT, VTT, ASS and labels are lyrics, literal words (`prompt_syntax`
False: `Meet me at 9:30` is one prompt of weight 1); a CSV screenplay's are prompt syntax
(True: `photo:-1:0.9` is weight -1, stop 0.9) unless its `syntax` column says `literal`. Only
the CSV holds the flag (and Block.style_mode): the other formats write the text as it is, so a
prompt-syntax block exported to them comes back literal (`sky:2` the words "sky:2").

Subtitle markup (SRT/VTT/ASS tags) is removed from block text; `Lyrics.markup` keeps each
cue verbatim, and passing `source=lyrics` to `format_lyrics` writes unedited cues back as read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dreamreel.core.atomic import atomic_write_text
from dreamreel.core.errors import FormatError
from dreamreel.core.formats.cues import DEFAULT_LAST_MS, Problems, build_blocks
from dreamreel.core.formats.encoding import decode_text
from dreamreel.core.formats.ass import format_ass, parse_ass
from dreamreel.core.formats.encoding import decode_report
from dreamreel.core.formats.labels import format_labels, parse_labels
from dreamreel.core.formats.lrc import format_lrc, parse_lrc
from dreamreel.core.formats.screenplay import format_screenplay, parse_screenplay
from dreamreel.core.formats.srt import format_srt, parse_srt
from dreamreel.core.formats.vtt import format_vtt, parse_vtt
from dreamreel.core.project import Block


@dataclass(frozen=True)
class FormatInfo:
    """One format: its name (`--format`), a title for menus, its file extensions (the first is
    the one written), what its entries are called in messages, and the writer options it takes."""

    name: str
    title: str
    extensions: tuple[str, ...]
    what: str
    options: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def dialog_filter(self) -> str:
        """A Qt file-dialog filter: `WebVTT subtitles (*.vtt)`."""
        return f"{self.title} ({' '.join('*' + e for e in self.extensions)})"


TABLE = {
    f.name: f
    for f in (
        FormatInfo("lrc", "LRC lyrics", (".lrc",), "timed lines", ("millis", "enhanced")),
        FormatInfo("csv", "CSV screenplay", (".csv",), "screenplay rows", ("classic",), ("screenplay",)),
        FormatInfo("srt", "SRT subtitles", (".srt",), "subtitle cues", (), ("subrip",)),
        FormatInfo("vtt", "WebVTT subtitles", (".vtt",), "subtitle cues", ("enhanced",), ("webvtt",)),
        FormatInfo("ass", "ASS/SSA subtitles", (".ass", ".ssa"), "Dialogue lines", ("enhanced",), ("ssa",)),
        FormatInfo("labels", "Audacity labels", (".txt", ".labels", ".tsv"), "labels", (),
                   ("audacity", "txt", "label")),
    )
}
FORMATS = tuple(TABLE)
EXTENSIONS = {ext: f.name for f in TABLE.values() for ext in f.extensions}
_ALIASES = {alias: f.name for f in TABLE.values() for alias in f.aliases}

__all__ = [
    "DEFAULT_LAST_MS", "EXTENSIONS", "FORMATS", "TABLE", "FormatInfo", "Lyrics", "decode_text",
    "format_for_path", "format_lyrics", "parse_lyrics", "read_lyrics", "write_lyrics",
]


@dataclass
class Lyrics:
    """What a lyrics file holds, with effective times (LRC offset already applied)."""

    blocks: list[Block]
    tags: dict[str, str] = field(default_factory=dict)  # LRC ID tags in file order, keys lower-case
    warnings: list[str] = field(default_factory=list)  # lenient mode: "file:line: why"
    offset_ms: int = 0  # the LRC [offset:] that was applied
    fmt: str = ""  # the format it was read as
    markup: dict = field(default_factory=dict)  # block id -> markup.RawCue (the cue as written)
    header: str = ""  # VTT: what came before the first cue; ASS: the sections before [Events]


def format_for_path(path: str | Path, fmt: str | None = None) -> str:
    """The format name for `fmt` (aliases allowed) or, when None, for the file's extension."""
    if fmt is not None:
        name = _ALIASES.get(fmt.lower(), fmt.lower())
        if name not in FORMATS:
            raise FormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", path=str(path))
        return name
    name = EXTENSIONS.get(Path(path).suffix.lower())
    if name is None:
        known = ", ".join(e for f in TABLE.values() for e in f.extensions)
        raise FormatError(
            f"cannot tell the format from the extension {Path(path).suffix!r}; "
            f"use {known} (.txt: Audacity labels), or name the format", path=str(path)
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
    text, note = decode_report(data, encoding, source=str(path))
    lyrics = parse_lyrics(text, fmt, strict=strict, duration_ms=duration_ms, source=str(path))
    if note:
        lyrics.warnings.insert(0, f"{path}: {note}")
    return lyrics


def parse_lyrics(
    text: str, fmt: str, *, strict: bool = False, duration_ms: int | None = None, source: str = "<text>"
) -> Lyrics:
    """Parse already-decoded text in one of FORMATS; `source` names it in messages."""
    fmt = format_for_path(source, fmt)
    problems = Problems(source, strict)
    what = TABLE[fmt].what
    if fmt == "lrc":
        cues, stops, tags, extra = parse_lrc(text, problems)
        blocks = build_blocks(cues, problems, stops=stops, length_ms=extra["length_ms"], duration_ms=duration_ms)
        breaks = set(extra["stanza_breaks"])  # untimed blank lines before these starts
        for b in blocks:
            b.stanza_break = b.start_ms in breaks
            b.prompt_syntax = False  # lyrics are words: `9:30` is a time, not a weight
        return Lyrics(blocks, tags, problems.warnings, extra["offset_ms"], fmt)
    header = ""
    if fmt == "csv":
        cues, stops = parse_screenplay(text, problems)
    elif fmt == "srt":
        cues, stops = parse_srt(text, problems), []
    elif fmt == "vtt":
        (cues, header), stops = parse_vtt(text, problems), []
    elif fmt == "ass":
        (cues, header), stops = parse_ass(text, problems), []
    else:
        cues, stops = parse_labels(text, problems)
    markup: dict = {}
    blocks = build_blocks(cues, problems, stops=stops, duration_ms=duration_ms, what=what, warn_unsorted=True,
                          raw_out=markup)
    for b in blocks:  # a screenplay's text is prompts (`photo:-1:0.9`) unless its syntax column says literal;
        if fmt != "csv":  # subtitles and labels are words
            b.prompt_syntax = False
        elif b.prompt_syntax is None:
            b.prompt_syntax = True
        if fmt == "csv" and b.style is not None and b.style_mode is None:
            b.style_mode = "replace"  # a row's style column: its phrases instead of the project's, negatives kept
    return Lyrics(blocks, {}, problems.warnings, 0, fmt, markup, header)


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
    classic: bool = False,
    source: Lyrics | None = None,
) -> str:
    """Text of `blocks` in `fmt`, which reads back to the same blocks (within the format's grid).

    LRC: `tags` are written except `offset` (times are effective already; pass `offset_ms` to
    write one), `millis` writes `.xxx`, `enhanced` writes word tags, a blank line before each `stanza_break` block.
    CSV: classic form (with a final `"",END` row) unless `header` or the data needs it; `classic`
    forces it. VTT and ASS: `enhanced` writes word times (inline timestamps, `{\\k}` karaoke).
    `source`: the Lyrics the blocks were read from; SRT/VTT/ASS cues it holds that are unedited
    are written back verbatim (styling, cue settings, ASS styles). Labels take no options."""
    fmt = format_for_path("<output>", fmt)
    markup = source.markup if source is not None and source.fmt == fmt else None
    head = source.header if markup is not None else ""
    if fmt == "lrc":
        return format_lrc(
            blocks, tags=tags, millis=millis, enhanced=enhanced, offset_ms=offset_ms
        )
    if fmt == "csv":
        return format_screenplay(blocks, header=header, duration_ms=duration_ms, classic=classic)
    if fmt == "srt":
        return format_srt(blocks, markup)
    if fmt == "vtt":
        return format_vtt(blocks, markup=markup, header=head, enhanced=enhanced)
    if fmt == "ass":
        return format_ass(blocks, markup=markup, header=head, enhanced=enhanced)
    return format_labels(blocks)


def write_lyrics(path: str | Path, blocks: list[Block], fmt: str | None = None, **kw) -> None:
    """Write `blocks` to `path` atomically as UTF-8; `fmt` None -> from the extension; `kw` as
    for format_lyrics."""
    fmt = format_for_path(path, fmt)
    atomic_write_text(path, format_lyrics(blocks, fmt, **kw))
