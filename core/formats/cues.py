"""From timed lines ("cues") to valid project blocks: the rules every format shares.

A parser collects `Cue`s (start, optional end, text, where it came from) and `stops` (times
that end whatever shows, e.g. an empty timed LRC line), then `build_blocks` applies:

1. Stable sort by start.
2. Cues with the same start become ONE block: the first is the text, the rest (file order) the
   secondary text joined with newlines (original + translation). Explicit ends: the longest.
   A cue identical to one already there (same start and text) is dropped with a warning.
3. A block without an end ends at the next start or stop after it; the last one at
   `length_ms` (LRC `[length:]`), else `duration_ms` (the song's end), else DEFAULT_LAST_MS after
   its start.
4. Explicit ends that overlap the next block are cut to its start; ends past the song are cut
   to the song's end; blocks starting at or after the song's end are dropped.
5. Blocks shorter than MIN_BLOCK_MS are dropped.
Steps 4-5 warn in lenient mode and raise FormatError in strict mode. Word times before their
line's start, or before the word before them, are moved up to it with a warning naming the line;
cues out of file order are sorted with a warning when `warn_unsorted` (files that should be in
order: subtitles, screenplays; LRC lines legitimately are not).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from dreamreel.core.errors import FormatError
from dreamreel.core.project import MIN_BLOCK_MS, Block, Style, WordTiming

DEFAULT_LAST_MS = 5000
"""Length given to the last block when nothing says where it ends (no length tag, no audio)."""


@dataclass
class Cue:
    """One timed line as read from a file, before the block rules apply."""

    start_ms: int
    text: str
    line: int
    end_ms: int | None = None
    secondary: str = ""
    words: list[WordTiming] = field(default_factory=list)
    style: Style | None = None
    seed: int | None = None
    prompt_syntax: bool | None = None  # CSV `syntax` column; None: the format's default
    style_mode: str | None = None  # CSV `style_mode` column; None: the format's default
    raw: object = None  # markup.RawCue: the cue as written, for writing it back unchanged


@dataclass
class Problems:
    """Lenient mode collects `file:line: why` warnings; strict mode raises on the first."""

    source: str
    strict: bool = False
    warnings: list[str] = field(default_factory=list)

    def report(self, message: str, line: int | None = None, *, always_warn: bool = False) -> None:
        """Record a skipped/adjusted line; in strict mode raise unless `always_warn`."""
        if self.strict and not always_warn:
            raise FormatError(message, path=self.source, line=line)
        self.warnings.append(f"{self.source}:{line}: {message}" if line is not None else f"{self.source}: {message}")


def build_blocks(
    cues: list[Cue],
    problems: Problems,
    *,
    stops: list[int] = (),
    length_ms: int | None = None,
    duration_ms: int | None = None,
    what: str = "timed lines",
    warn_unsorted: bool = False,
    raw_out: dict | None = None,
) -> list[Block]:
    """Apply the shared block rules (module docstring) and return sorted, valid blocks.

    `raw_out`, when given, receives {block id: cue.raw} for blocks made from a cue with one."""
    if not cues:
        raise FormatError(f"no {what} found; check the file's format or choose it explicitly", path=problems.source)
    if warn_unsorted:
        _warn_unsorted(cues, problems)
    for cue in cues:
        _check_words(cue, problems)
    merged = _merge_same_start(sorted(cues, key=lambda c: c.start_ms), problems)
    bounds = sorted({c.start_ms for c in merged} | set(stops))
    blocks: list[Block] = []
    for i, cue in enumerate(merged):
        nxt = merged[i + 1].start_ms if i + 1 < len(merged) else None
        end = _end_of(cue, bounds, nxt, length_ms, duration_ms, problems)
        if duration_ms is not None:
            if cue.start_ms >= duration_ms:
                problems.report(
                    f"starts at {cue.start_ms} ms, after the song's end ({duration_ms} ms); skipped", cue.line
                )
                continue
            if end > duration_ms:
                if cue.end_ms is not None:
                    problems.report(f"ends past the song's end ({duration_ms} ms); cut there", cue.line)
                end = duration_ms
        if end - cue.start_ms < MIN_BLOCK_MS:
            problems.report(
                f"lasts {end - cue.start_ms} ms, shorter than {MIN_BLOCK_MS} ms; skipped "
                f"(give it a later end or remove it)",
                cue.line,
            )
            continue
        block = Block(
            text=cue.text,
            start_ms=cue.start_ms,
            end_ms=end,
            secondary=cue.secondary,
            words=cue.words,
            style=cue.style,
            seed=cue.seed,
            prompt_syntax=cue.prompt_syntax,
            style_mode=cue.style_mode,
        )
        blocks.append(block)
        if raw_out is not None and cue.raw is not None:
            raw_out[block.id] = cue.raw
    if not blocks:
        raise FormatError(f"no usable {what}: every one was skipped ({problems.warnings[-1]})", path=problems.source)
    return blocks


def _warn_unsorted(cues: list[Cue], problems: Problems) -> None:
    latest: Cue | None = None
    for cue in cues:
        if latest is not None and cue.start_ms < latest.start_ms:
            problems.report(
                f"starts ({cue.start_ms} ms) before the line above it (line {latest.line}, {latest.start_ms} ms); "
                f"sorted into place (check the time)", cue.line, always_warn=True,
            )
        if latest is None or cue.start_ms >= latest.start_ms:
            latest = cue


def _check_words(cue: Cue, problems: Problems) -> None:
    """Word times run forward from the line's start; a backwards one is moved up to the last."""
    floor = cue.start_ms
    for word in cue.words:
        if word.start_ms < floor:
            where = "the line's start" if floor == cue.start_ms else "the word before it"
            problems.report(
                f"word {word.text.strip()[:20]!r} at {word.start_ms} ms is before {where} ({floor} ms); moved there",
                cue.line, always_warn=True,
            )
            word.start_ms = floor
        floor = word.start_ms


def _merge_same_start(cues: list[Cue], problems: Problems) -> list[Cue]:
    out: list[Cue] = []
    texts: dict[int, set[str]] = {}
    lines: dict[tuple[int, str], int] = {}
    for cue in cues:
        seen = texts.setdefault(cue.start_ms, set())
        if cue.text in seen:
            problems.report(
                f"same time and text as line {lines[(cue.start_ms, cue.text)]}; duplicate dropped", cue.line,
                always_warn=True,
            )
            continue
        seen.add(cue.text)
        lines[(cue.start_ms, cue.text)] = cue.line
        if out and out[-1].start_ms == cue.start_ms:
            head = out[-1]
            extra = [t for t in (cue.text, cue.secondary) if t]
            head.secondary = "\n".join(([head.secondary] if head.secondary else []) + extra)
            if cue.end_ms is not None:
                head.end_ms = max(head.end_ms or 0, cue.end_ms)
            continue
        out.append(Cue(**{k: getattr(cue, k) for k in cue.__dataclass_fields__}))
    return out


def _end_of(cue: Cue, bounds: list[int], nxt: int | None, length_ms, duration_ms, problems: Problems) -> int:
    if cue.end_ms is not None:
        if cue.end_ms <= cue.start_ms:
            problems.report(
                f"ends ({cue.end_ms} ms) before it starts ({cue.start_ms} ms); ended at the next start", cue.line
            )
        elif nxt is not None and cue.end_ms > nxt:
            problems.report(f"overlaps the next block (starts {nxt} ms); cut there", cue.line)
            return nxt
        else:
            return cue.end_ms
    i = bisect.bisect_right(bounds, cue.start_ms)
    if i < len(bounds):
        return bounds[i]
    for candidate in (length_ms, duration_ms):
        if candidate is not None and candidate > cue.start_ms:
            return candidate
    return cue.start_ms + DEFAULT_LAST_MS


def trim_outer_whitespace(segments: list[list]) -> None:
    """Strip a timed line's outer whitespace across its [time, text] segments, in place: leading
    space from the first non-empty segment, trailing from the last, so the words still spell
    the tidied line (enhanced LRC, ASS karaoke, VTT word stamps)."""
    for seg in segments:
        seg[1] = seg[1].lstrip()
        if seg[1]:
            break
    for seg in reversed(segments):
        seg[1] = seg[1].rstrip()
        if seg[1]:
            break
