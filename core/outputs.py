"""Where a command may write: outputs never replace inputs, and one overwrite policy.

Every CLI command that writes resolves its outputs against all the files it reads (project,
song, lyrics, cache) before any work starts: the same real path, a symlink to it or a hard link
to the same inode is refused. An existing output is replaced only with `force` (`--force`); the
kind of output is checked up front (a video container for `render -o`, a project file for
`import -o`, a lyrics file for `export -o`), so an hour of rendering never ends in a refusal.
Every refusal is a `DreamreelError` naming the user's file and what to do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dreamreel.core.errors import DreamreelError

PROJECT_SUFFIX = ".dreamreel"
# Containers the bundled ffmpeg writes H.264 + AAC into (what `export.encode_mp4` produces).
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv")


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when `a` and `b` are one file: the same real path, or hard links to one inode."""
    a, b = Path(a), Path(b)
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        pass  # one of them does not exist (yet): compare the paths
    return os.path.realpath(a) == os.path.realpath(b)


def inside(path: str | os.PathLike, folder: str | os.PathLike) -> bool:
    """True when `path` is `folder` or lies somewhere under it (real paths)."""
    p, f = os.path.realpath(path), os.path.realpath(folder)
    return p == f or p.startswith(f.rstrip(os.sep) + os.sep)


def check_not_input(output: str | os.PathLike, inputs: Mapping[str, str | os.PathLike | None],
                    *, flag: str = "-o") -> None:
    """Refuse an output that is one of the command's inputs; `inputs` maps a role ("project",
    "song", "lyrics") to its path (None entries are skipped)."""
    for role, path in inputs.items():
        if path is not None and same_file(output, path):
            raise DreamreelError(f"{flag} {output}: is the {role} this command reads; "
                                 f"writing there would destroy it; choose another file name")


def check_overwrite(output: str | os.PathLike, force: bool, *, flag: str = "-o", folder: bool = False) -> None:
    """Refuse an existing output unless `force`, and an output of the wrong kind (a folder
    where a file goes, or a file where a folder goes)."""
    out = Path(output)
    if folder:
        if out.exists() and not out.is_dir():
            raise DreamreelError(f"{flag} {out}: is a file, not a folder; choose an empty or new folder")
        if out.is_dir() and any(out.iterdir()) and not force:
            raise DreamreelError(f"{flag} {out}: folder already holds files; pass --force to replace them")
        return
    if out.is_dir():
        raise DreamreelError(f"{flag} {out}: is a folder; give a file name, e.g. {out / ('out' + (out.suffix or ''))}")
    if out.exists() and not force:
        raise DreamreelError(f"{flag} {out}: already exists; pass --force to replace it")


def check_video_output(output: str | os.PathLike) -> None:
    """A render's `-o` must be a video container ffmpeg writes (never a project or a song)."""
    out = Path(output)
    if out.is_dir():
        raise DreamreelError(f"-o {out}: is a folder; give a file name for the video, e.g. {out / 'out.mp4'}")
    suffix = out.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        what = "a project file" if suffix == PROJECT_SUFFIX else (f"a {suffix} file" if suffix else "a name without extension")
        raise DreamreelError(f"-o {out}: render writes a video, not {what}; end the name in "
                             f"{', '.join(VIDEO_SUFFIXES)}, e.g. {out.with_suffix('.mp4').name}")


def check_project_output(output: str | os.PathLike) -> None:
    """`import -o` writes a project: its name must end in .dreamreel."""
    if Path(output).suffix.lower() != PROJECT_SUFFIX:
        raise DreamreelError(f"-o {output}: a project file must end in {PROJECT_SUFFIX}, "
                             f"e.g. {Path(output).with_suffix(PROJECT_SUFFIX).name}")


def check_lyrics_output(output: str | os.PathLike) -> None:
    """`export -o` writes lyrics: never into a file named like a project."""
    if Path(output).suffix.lower() == PROJECT_SUFFIX:
        raise DreamreelError(f"-o {output}: export writes lyrics, not a project; "
                             f"name it e.g. {Path(output).with_suffix('.lrc').name}")
