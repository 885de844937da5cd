"""A project and outside files: the song (probed and hashed), timed lyrics in and out."""

from __future__ import annotations

from pathlib import Path

from dreamreel.core.commands import Command, ReplaceBlocks, SetAudio, SetTags
from dreamreel.core.project import AudioRef, Project


def audio_ref_for(path: str | Path) -> AudioRef:
    """Probe a song (exact duration and native rate via the bundled ffmpeg) and hash it."""
    from dreamreel.core.song_check import song_facts

    facts = song_facts(path)  # cached by path/size/mtime: a relink or re-import costs a stat
    return AudioRef(path=str(Path(path).absolute()), sha256=facts.sha256,
                    duration_ms=facts.duration_ms, sample_rate=facts.sample_rate)


def lyrics_commands(project: Project, path: str | Path, *, fmt: str | None = None, strict: bool = False,
                    encoding: str | None = None) -> tuple[list[Command], list[str]]:
    """Commands that replace the project's blocks (and LRC tags) with a lyrics file's.

    Returns (commands, warnings). Nothing is applied: the caller applies them (the editor
    pushes them as one undo macro).
    """
    from dreamreel.core.formats import read_lyrics

    lyrics = read_lyrics(path, fmt=fmt, strict=strict, encoding=encoding, duration_ms=project.duration_ms)
    commands: list[Command] = [ReplaceBlocks(blocks=lyrics.blocks, label="Import lyrics")]
    if lyrics.tags:
        commands.append(SetTags(tags=lyrics.tags, label="Import lyrics tags"))
    return commands, list(lyrics.warnings)


def new_project(lyrics: str | Path | None = None, audio: str | Path | None = None, *, fmt: str | None = None,
                strict: bool = False, encoding: str | None = None) -> tuple[Project, list[str]]:
    """A fresh project from a song and/or a lyrics file. Returns (project, warnings)."""
    project = Project()
    warnings: list[str] = []
    if audio is not None:
        SetAudio(audio=audio_ref_for(audio)).apply(project)
    if lyrics is not None:
        commands, warnings = lyrics_commands(project, lyrics, fmt=fmt, strict=strict, encoding=encoding)
        for command in commands:
            command.apply(project)
        project.title = project.tags.get("ti", "") or Path(lyrics).stem
    elif audio is not None:
        project.title = Path(audio).stem
    return project, warnings


def lyrics_text(project: Project, fmt: str, *, millis: bool = False, enhanced: bool = False,
                classic: bool = False) -> str:
    """The project's blocks as `fmt` text, with its tags and song length (`classic`: CSV)."""
    from dreamreel.core.formats import format_lyrics

    return format_lyrics(project.blocks, fmt, tags=project.tags, millis=millis, enhanced=enhanced,
                         duration_ms=project.duration_ms, classic=classic)


def export_lyrics(project: Project, path: str | Path, fmt: str | None = None, **options) -> None:
    """Write the project's blocks to `path` atomically (format from the extension by default);
    `options` as for `lyrics_text`."""
    from dreamreel.core.atomic import atomic_write_text
    from dreamreel.core.formats import format_for_path

    atomic_write_text(path, lyrics_text(project, format_for_path(path, fmt), **options))
