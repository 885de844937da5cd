"""`dreamreel relink PROJECT SONG`: point a project at its song again (moved, renamed, new mix)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("relink", help="point a project at a (moved or new) song file",
                       description="Record SONG as the project's song: its path, sha256 and exact length.")
    p.add_argument("project", help="project file (*.dreamreel)")
    p.add_argument("song", help="the song file (any format ffmpeg reads)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dreamreel.core.project import load_project

    project = load_project(args.project)
    print(relink_and_save(project, args.song), file=sys.stderr)
    return 0


def relink_and_save(project, song) -> str:
    """Relink (refused when blocks run past the song's end), save atomically; returns the line to print."""
    from dreamreel.core.errors import CommandError, DreamreelError
    from dreamreel.core.outputs import same_file
    from dreamreel.core.project import save_project
    from dreamreel.core.song_check import relink

    if same_file(song, project.path):
        raise DreamreelError(f"{song}: is the project file itself; give the song")
    old = project.audio_path()
    try:
        ref = relink(project, song)
    except CommandError as e:
        raise DreamreelError(f"{song}: not relinked: {e}") from None
    save_project(project, project.path)
    was = f" (was {old})" if old is not None and str(old) != ref.path else ""
    return f"relinked {project.path.name}: song {ref.path}{was}, {ref.duration_ms / 1000:.2f} s"
