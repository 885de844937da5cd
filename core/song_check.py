"""The song is part of the project's truth: is it still there, and still the same song?

`check_song(project)` compares the song on disk with what the project recorded (sha256 and
exact length, DESIGN §1.2): `SongCheck.state` is "none" (no song), "ok", "missing" or
"changed", with `message()` the one line the CLI prints and the editor's banner shows. The
song's facts (sha256, exact length, rate) are computed once per file version: the hash through
the one file-hash cache (`hashing.cached_file_sha256`), length and rate cached by that hash, so a
check costs a `stat` after the first time.

`accept_song(project, check)` makes an in-memory project follow a changed song (new hash, so
the music analysis is redone; new length, so the video stops at the song's end).
`interchange.audio_ref_for` (import, relink, the editor's song import) uses `song_facts`.
`relink(project, path)` points the project at another file (through the `SetAudio` command,
which refuses a song shorter than the blocks).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from dreamreel.core.atomic import atomic_write_text
from dreamreel.core.clock import format_clock
from dreamreel.core.project import AudioRef, Block, Project

DURATION_TOLERANCE_MS = 1  # probe rounding; anything more is another edit of the song


@dataclass(frozen=True)
class SongFacts:
    sha256: str
    duration_ms: int
    sample_rate: int


def _facts_cache_dir() -> Path:
    from dreamreel.core.paths import cache_dir

    return cache_dir() / "songs"


def song_facts(path: str | os.PathLike) -> SongFacts:
    """sha256, exact length and native rate of a song file. The hash comes from the one file-hash
    cache (`hashing.cached_file_sha256`, keyed by real path, size, mtime, inode and ctime: a stat
    after the first time); length and rate are cached by that hash (content-addressed)."""
    from dreamreel.core.audio import probe_audio
    from dreamreel.core.hashing import cached_file_sha256

    path = Path(path)
    sha256 = cached_file_sha256(path)
    entry = _facts_cache_dir() / f"{sha256}.json"
    try:
        data = json.loads(entry.read_text())
        return SongFacts(sha256, int(data["duration_ms"]), int(data["sample_rate"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    duration_ms, rate = probe_audio(path)
    try:
        atomic_write_text(entry, json.dumps({"duration_ms": duration_ms, "sample_rate": rate}) + "\n")
    except OSError:
        pass  # a read-only cache only costs the next check a probe
    return SongFacts(sha256, duration_ms, rate)


@dataclass
class SongCheck:
    state: str  # "none" | "ok" | "missing" | "changed"
    path: Path | None = None
    facts: SongFacts | None = None
    changes: list[str] = field(default_factory=list)  # what differs, in words
    past_end: list[Block] = field(default_factory=list)  # blocks ending after the song's (new) end

    def message(self, hint: str = "relink it with --audio NEW or `dreamreel relink PROJECT NEW`") -> str:
        """One line: what happened to the song (and, when missing, `hint`: what to do)."""
        if self.state == "missing":
            return f"song {self.path} is missing; {hint}"
        if self.state != "changed":
            return ""
        text = f"song {self.path.name} changed since the project was saved ({'; '.join(self.changes)})"
        if self.past_end:
            first = self.past_end[0]
            text += (f"; {len(self.past_end)} block(s) end past its end at {format_clock(self.facts.duration_ms)}, "
                     f"first {first.text[:30]!r} at {format_clock(first.start_ms)}")
        return text


def check_song(project: Project) -> SongCheck:
    """Compare the project's song on disk with what the project recorded."""
    path = project.audio_path()
    if project.audio is None or path is None or not project.audio.path:
        return SongCheck("none")
    if not path.is_file():
        return SongCheck("missing", path)
    facts = song_facts(path)
    rec = project.audio
    changes = []
    if rec.sha256 and rec.sha256 != facts.sha256:
        changes.append("different content")
    if rec.duration_ms > 0 and abs(rec.duration_ms - facts.duration_ms) > DURATION_TOLERANCE_MS:
        changes.append(f"length {rec.duration_ms / 1000:.2f} s -> {facts.duration_ms / 1000:.2f} s")
    if not changes:
        return SongCheck("ok", path, facts)
    past = [b for b in project.blocks if b.end_ms > facts.duration_ms]
    return SongCheck("changed", path, facts, changes, past)


def accept_song(project: Project, check: SongCheck) -> None:
    """Make the in-memory project follow the song on disk (hash, length, rate)."""
    if check.facts is None or project.audio is None:
        return
    project.audio.sha256 = check.facts.sha256
    project.audio.duration_ms = check.facts.duration_ms
    project.audio.sample_rate = check.facts.sample_rate


def relink(project: Project, path: str | os.PathLike) -> AudioRef:
    """Point the project at the song `path` (CommandError when blocks run past its end)."""
    from dreamreel.core.commands import SetAudio
    from dreamreel.core.interchange import audio_ref_for

    ref = audio_ref_for(path)
    SetAudio(audio=ref, label="Relink song").apply(project)
    return ref
