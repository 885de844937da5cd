"""Audacity label tracks: `start<TAB>end<TAB>label` per line, times in seconds.

Reading: comma decimals (`1,5`) are accepted, as are runs of spaces where an editor ate the
tabs; `\\` rows (Audacity's spectral-selection frequency lines) are skipped; a point label
(start == end, or no end column) ends at the next label's start. Empty labels are gaps.
Writing: six decimals like Audacity, exact to the ms. Labels are one line, so newlines and
tabs in text become spaces, and a secondary text is not written (labels have no place for it).
"""

from __future__ import annotations

import re

from dreamreel.core.formats.cues import Cue, Problems
from dreamreel.core.formats.timecodes import format_seconds, parse_seconds
from dreamreel.core.project import Block

_LINES = re.compile(r"\r\n|\r|\n")


def parse_labels(text: str, problems: Problems) -> tuple[list[Cue], list[int]]:
    """Read a label track into (cues, stops); an empty label is a stop at its start."""
    cues: list[Cue] = []
    stops: list[int] = []
    for number, line in enumerate(_LINES.split(text.replace("\ufeff", "")), start=1):
        if not line.strip() or line.lstrip().startswith("\\"):
            continue
        fields = _fields(line)
        start = parse_seconds(fields[0])
        end = parse_seconds(fields[1]) if len(fields) > 1 else None
        if len(fields) > 1 and end is None:  # `start<TAB>label`: old single-time form
            fields = [fields[0], fields[0], "\t".join(fields[1:])]
            end = start
        if start is None:
            problems.report(f"bad label time {fields[0][:40]!r}; want start<TAB>end<TAB>label in seconds", number)
            continue
        label = fields[2].strip() if len(fields) > 2 else ""
        if not label:
            stops.append(start)
            continue
        cues.append(Cue(start, label, number, end_ms=None if end == start else end))
    return cues, stops


def _fields(line: str) -> list[str]:
    if "\t" in line:
        parts = line.split("\t", 2)
    else:
        parts = line.strip().split(None, 2)
    return [p.strip() for p in parts]


def format_labels(blocks: list[Block]) -> str:
    """Audacity label text (import in Audacity with File > Import > Labels)."""
    return "".join(
        f"{format_seconds(b.start_ms, places=6)}\t{format_seconds(b.end_ms, places=6)}\t{' '.join(b.text.split())}\n"
        for b in blocks
    )
