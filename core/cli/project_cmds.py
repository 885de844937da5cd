"""`dreamreel import`, `dreamreel export` and `dreamreel info`: projects in and out of text formats."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dreamreel.core.errors import DreamreelError, ProjectError
from dreamreel.core.formats import FORMATS as LYRIC_FORMATS
from dreamreel.core.formats import TABLE


def register(sub: argparse._SubParsersAction) -> None:
    titles = ", ".join(f.title for f in TABLE.values())
    p = sub.add_parser("import", help="make a project from timed lyrics or a CSV screenplay (and a song)",
                       description=f"Make a .dreamreel project from a lyrics or screenplay file: {titles}.")
    p.add_argument("lyrics", help="lyrics/screenplay file (" + ", ".join(e for f in TABLE.values() for e in f.extensions) + ")")
    p.add_argument("--audio", help="the song (any format ffmpeg reads)")
    p.add_argument("-o", "--output", required=True, help="project file to write (*.dreamreel)")
    p.add_argument("--format", choices=LYRIC_FORMATS, help="lyrics format (default: from the extension)")
    p.add_argument("--encoding", help="text encoding of the lyrics file (default: detected)")
    p.add_argument("--strict", action="store_true", help="fail on the first malformed line instead of skipping it")
    p.add_argument("--force", action="store_true", help="overwrite an existing project file")
    p.set_defaults(func=run_import)

    p = sub.add_parser("export", help=f"write a project's blocks as {', '.join(LYRIC_FORMATS)}")
    p.add_argument("project", help="project file (*.dreamreel)")
    p.add_argument("--format", choices=LYRIC_FORMATS, required=True)
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--millis", action="store_true", help="LRC: write 3-digit milliseconds")
    p.add_argument("--enhanced", action="store_true",
                   help="LRC, VTT, ASS: write word timings (<mm:ss.xx> tags, inline timestamps, {\\k} karaoke)")
    p.add_argument("--classic", action="store_true",
                   help='CSV: the classic "text",seconds form, with a final "",END row (styles and seeds are not written)')
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(func=run_export)

    p = sub.add_parser("info", help="summarise a project: song, blocks, style and render settings")
    p.add_argument("project", help="project file (*.dreamreel)")
    p.set_defaults(func=run_info)


def run_import(args: argparse.Namespace) -> int:
    from dreamreel.core.interchange import new_project
    from dreamreel.core.outputs import check_not_input, check_overwrite, check_project_output
    from dreamreel.core.project import save_project
    from dreamreel.core.validate import check_writable

    out = Path(args.output)
    check_project_output(out)
    check_not_input(out, {"lyrics file": args.lyrics, "song": args.audio})
    check_overwrite(out, args.force)
    project, warnings = new_project(args.lyrics, args.audio, fmt=args.format, strict=args.strict,
                                    encoding=args.encoding)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    try:
        check_writable(project)  # every number written must load again
    except ProjectError as e:
        raise ProjectError(f"{args.lyrics}: cannot import: {e}") from None
    save_project(project, out)
    print(f"wrote {out}: {len(project.blocks)} blocks" + (f", song {_clock(project.duration_ms)}" if project.duration_ms else ""))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from dreamreel.core.interchange import export_lyrics, lyrics_text
    from dreamreel.core.outputs import check_lyrics_output, check_not_input, check_overwrite
    from dreamreel.core.project import load_project

    for option in ("millis", "enhanced", "classic"):
        takes = [f.name for f in TABLE.values() if option in f.options]
        if getattr(args, option) and args.format not in takes:
            raise DreamreelError(f"--{option} is for {', '.join(takes)} export, not {args.format}; leave it out")
    if args.output:
        check_not_input(args.output, {"project": args.project})
        check_lyrics_output(args.output)
        check_overwrite(args.output, args.force)
    project = load_project(args.project)
    if args.output:
        check_not_input(args.output, {"song": project.audio_path()})
    options = {"millis": args.millis, "enhanced": args.enhanced, "classic": args.classic}
    if args.output:
        export_lyrics(project, args.output, args.format, **options)
        print(f"wrote {args.output}: {len(project.blocks)} blocks", file=sys.stderr)
    else:
        sys.stdout.write(lyrics_text(project, args.format, **options))
    return 0


def run_info(args: argparse.Namespace) -> int:
    from dreamreel.core.project import load_project

    p = load_project(args.project)
    r = p.render
    print(f"project   {p.path}")
    print(f"title     {p.title or '-'}")
    if p.audio:
        from dreamreel.core.song_check import check_song

        check = check_song(p)
        state = {"missing": "  (MISSING)", "changed": f"  (CHANGED: {'; '.join(check.changes)})"}.get(check.state, "")
        print(f"song      {p.audio_path()}{state}  {_clock(p.audio.duration_ms)}  {p.audio.sample_rate} Hz")
    else:
        print("song      none")
    covered = sum(b.duration_ms for b in p.blocks)
    print(f"blocks    {len(p.blocks)}  covering {_clock(covered)}")
    for b in p.blocks[:5]:
        print(f"          {_clock(b.start_ms)}-{_clock(b.end_ms)}  {b.text[:60]}")
    if len(p.blocks) > 5:
        print(f"          … {len(p.blocks) - 5} more")
    style = ", ".join(str(s) for s in p.style.phrases) or "-"
    negatives = ", ".join(str(s) for s in p.style.negatives) or "-"
    print(f"style     {style}   negatives: {negatives}")
    es = r.engine_settings()
    iterations = f"iterations {es.iterations_first}/{es.iterations}"
    print(f"render    {r.engine}  {r.width}x{r.height} @ {r.fps} fps  {r.keyframes_per_second:g} keyframes/s  "
          f"{iterations}  {r.continuity}  device {r.device}")
    return 0


def _clock(ms: int | None) -> str:
    from dreamreel.core.clock import format_clock

    return "?" if ms is None else format_clock(ms)
