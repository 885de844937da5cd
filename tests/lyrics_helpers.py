"""Helpers for the format tests: write real bytes to a file, read it back, list block spans."""

from __future__ import annotations

from dreamreel.core.formats import read_lyrics
from dreamreel.core.project import Block, validate_blocks


def load(tmp_path, data: bytes, name: str, **kw):
    """Write `data` to tmp_path/name, read it as lyrics, and check the blocks are valid."""
    path = tmp_path / name
    path.write_bytes(data)
    lyrics = read_lyrics(path, **kw)
    validate_blocks(lyrics.blocks, kw.get("duration_ms"))
    return lyrics


def spans(lyrics):
    """(text, start_ms, end_ms) of every block."""
    return [(b.text, b.start_ms, b.end_ms) for b in lyrics.blocks]


def blk(text, start, end, **kw) -> Block:
    """A block from (text, start_ms, end_ms)."""
    return Block(text=text, start_ms=start, end_ms=end, **kw)
