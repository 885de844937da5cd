"""Render and export jobs, Qt-free: what the editor runs off its GUI thread, reporting plain events.

Two kinds of job, one event protocol:

- `run_job(...)`: fill the keyframe cache for a project (or a time range of it),
- `run_export(...)`: `render_video` to an MP4 (range, size, quality, burned lyrics).

The editor's `RenderController` runs either in a QThread (engines whose registry entry does not
say `needs_worker_process`, e.g. the draft) or in a separate process:

    python -m dreamreel.core.engine.worker --project P.json --cache DIR --engine NAME
                                           [--t0 S --t1 S] [--export OUT.mp4 --burn-lyrics --crf N]
    <frozen app> --render-worker ...            (PyInstaller build, see packaging/)

which prints one JSON event per line on stdout, so Cancel can kill the process at once (a GPU
optimisation step or a model load cannot be interrupted from another thread). Events (dicts):

    {"event": "plan", "needed": [[block_id, key, iterations, cached], ...]}      (render only)
    {"event": "progress", "done": d, "total": t, "message": "keyframe 3/10" | "frames" | "encoding"}
    {"event": "keyframe", "block_id", "index", "key", "preview", "cached", "done", "total"}  (render only)
    {"event": "done"}                                   (render)
    {"event": "done", "path": OUT, "seconds_per_iteration": s}    (export; s = 0 when not measured)
    {"event": "cancelled"} | {"event": "error", "message": "one line"}

If stdin closes (the editor died), the process worker cancels itself. An MP4 appears under its
final name only when complete (core's atomic write); a killed export leaves a temp file whose
writer is dead, which the next write in that folder (or `tempfiles.sweep`) removes.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import traceback
from dataclasses import replace
from collections.abc import Callable
from pathlib import Path

from dreamreel.core.errors import Cancelled, DreamreelError

Emit = Callable[[dict], None]
PROGRESS_INTERVAL_S = 0.05  # draft keyframes take microseconds: don't flood the GUI
MODULE = "dreamreel.core.engine.worker"


def _guarded(emit: Emit, work: Callable[[], dict], out_path=None) -> None:
    """Run `work` (returns the "done" event); every outcome ends with exactly one terminal event."""
    try:
        done = work()
    except Cancelled:
        emit({"event": "cancelled"})
    except DreamreelError as e:
        emit({"event": "error", "message": str(e).splitlines()[0] if str(e) else type(e).__name__})
    except OSError as e:
        emit({"event": "error", "message": f"cannot write {e.filename or out_path}: {e.strerror or e}"})
    except Exception as e:  # noqa: BLE001 - a bug must still end the job with a message
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "message": f"render failed: {type(e).__name__}: {e}"})
    else:
        emit(done)


def _throttled(emit: Emit):
    last = [0.0]

    def progress(done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL_S or done >= total:
            last[0] = now
            emit({"event": "progress", "done": int(done), "total": int(total), "message": message})

    return progress


def run_job(project, engine_name: str, cache_dir: str | Path, *, emit: Emit,
            t_range: tuple[float, float] | None = None, cancel: Callable[[], bool] | None = None,
            engine=None) -> None:
    """Render the keyframes `t_range` (seconds; None = whole song) needs. Never raises:
    every outcome ends with exactly one "done", "cancelled" or "error" event."""

    def work() -> dict:
        from dreamreel.core.engine import registry
        from dreamreel.core.engine.cache import KeyframeCache
        from dreamreel.core.engine.render import plan_render, render_keyframes

        nonlocal engine
        engine = engine or registry.get(engine_name).load(project.render)
        cache = KeyframeCache(cache_dir)
        plan = plan_render(project, engine, cache, t_range=t_range)
        todo = set(plan.todo)
        needed = [[plan.keyframes[i].block_id, plan.keyframes[i].key, plan.keyframes[i].spec.iterations,
                   i not in todo] for i in plan.needed]
        emit({"event": "plan", "needed": needed})

        def on_keyframe(ev) -> None:
            emit({"event": "keyframe", "block_id": ev.block_id, "index": ev.index, "key": ev.key,
                  "preview": str(ev.preview_path) if ev.preview_path else None, "cached": ev.cached,
                  "done": ev.done, "total": ev.total})

        render_keyframes(project, engine, cache, plan=plan, progress=_throttled(emit), cancel=cancel,
                         on_keyframe=on_keyframe)
        return {"event": "done"}

    _guarded(emit, work)


def run_export(project, engine_name: str, cache_dir: str | Path, out_path: str | Path, *, emit: Emit,
               t_range: tuple[float, float] | None = None, burn_lyrics: bool | None = None,
               crf: int | None = None, cancel: Callable[[], bool] | None = None, engine=None) -> None:
    """Export `project` (its render settings as they are: size, fps, engine settings) to the MP4
    `out_path` with its song: keyframes missing from the cache are rendered into it first.
    Never raises: ends with one "done" (with the path and the seconds per iteration measured),
    "cancelled" or "error" event."""
    timing = {"n": 0, "t0": None, "t1": None}
    throttled = _throttled(emit)

    def progress(done: int, total: int, message: str) -> None:
        if message.startswith("keyframe"):
            now = time.monotonic()
            timing["t0"] = timing["t0"] or now
            timing["n"], timing["t1"] = done, now
        throttled(done, total, message)

    def work() -> dict:
        from dreamreel.core.engine import registry
        from dreamreel.core.engine.cache import KeyframeCache
        from dreamreel.core.engine.render import render_video

        from dreamreel.core.engine.interpolate import settle_interpolation

        nonlocal engine, project
        # Settled here, not in render_video: its one line (RIFE weights missing, blends instead)
        # goes to the editor as a "note" event; a worker's stderr is nobody's screen.
        mode = settle_interpolation(project.render, warn=lambda line: emit({"event": "note", "message": line}))
        project = replace(project, render=replace(project.render, interpolation=mode))
        engine = engine or registry.get(engine_name).load(project.render)
        if cancel is not None and cancel():
            raise Cancelled()
        render_video(project, engine, KeyframeCache(cache_dir), out_path, t_range=t_range,
                     burn_lyrics=burn_lyrics, crf=crf, progress=progress, cancel=cancel)
        n, t0, t1 = timing["n"], timing["t0"], timing["t1"]
        spi = (t1 - t0) / n if n > 10 and t0 else 0.0
        return {"event": "done", "path": str(out_path), "seconds_per_iteration": spi}

    _guarded(emit, work, out_path)


def project_payload(project) -> dict:
    """The project as JSON-ready data for a worker process, with the song path made absolute
    (the worker has no project file to resolve it against)."""
    from dreamreel.core.project import project_to_dict

    data = project_to_dict(project)
    audio = project.audio_path()
    if data.get("audio") is not None and audio is not None:
        data["audio"]["path"] = str(audio.absolute())
    return data


def snapshot(project):
    """A private copy of the project for work off the GUI thread (the user keeps editing the
    original), with the song path made absolute and no file path (like a payload read back).

    Cheap (copy-on-write, O(blocks) pointer copies, no serialisation): the Block objects are
    shared, which is safe because edits never change a block in place (every command puts new
    Block objects into a new list, see `core.commands`); the small mutable parts (render
    settings, style, song, tags) are copied."""
    import copy

    from dreamreel.core.events import Signal

    audio = copy.copy(project.audio)
    path = project.audio_path()
    if audio is not None and path is not None:
        audio.path = str(path.absolute())
    return replace(project, blocks=list(project.blocks), style=copy.deepcopy(project.style),
                   render=copy.deepcopy(project.render), audio=audio, tags=dict(project.tags),
                   path=None, changed=Signal())


def job_args(engine_name: str, cache_dir, t_range=None, *, export: dict | None = None) -> list[str]:
    """The worker's arguments after `--project P.json` for a render job, or an export job when
    `export` = {"out_path", "burn_lyrics", "crf"} is given."""
    args = ["--cache", str(cache_dir), "--engine", engine_name]
    if t_range is not None:
        args += ["--t0", repr(float(t_range[0])), "--t1", repr(float(t_range[1]))]
    if export is not None:
        args += ["--export", str(export["out_path"])]
        if export.get("burn_lyrics") is not None:
            args.append("--burn-lyrics" if export["burn_lyrics"] else "--no-burn-lyrics")
        if export.get("crf") is not None:
            args += ["--crf", str(int(export["crf"]))]
    return args


def worker_command(args: list[str]) -> list[str]:
    """argv that starts this module in a fresh process (the frozen app dispatches a flag)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--render-worker", *args]
    return [sys.executable, "-m", MODULE, *args]


def _print_event(event: dict) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def _watch_stdin(stop: threading.Event) -> None:
    """Cancel when the editor goes away (our stdin pipe closes)."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    stop.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=MODULE, description="Render a project's keyframes into its cache, "
                                     "or export it to an MP4 (JSON events on stdout).")
    parser.add_argument("--project", type=Path, help="project JSON (as written by project_payload)")
    parser.add_argument("--cache", type=Path, help="keyframe cache folder")
    parser.add_argument("--engine", required=False, help="a registered engine's name (`dreamreel engines`)")
    parser.add_argument("--t0", type=float, default=None, help="range start, seconds")
    parser.add_argument("--t1", type=float, default=None, help="range end, seconds")
    parser.add_argument("--export", type=Path, default=None, metavar="OUT.mp4",
                        help="export the range to this MP4 instead of only filling the cache")
    parser.add_argument("--burn-lyrics", action=argparse.BooleanOptionalAction, default=None,
                        help="burn the lyrics into the picture (default: the project's setting)")
    parser.add_argument("--crf", type=int, default=None, help="H.264 quality of the export (lower: better)")
    parser.add_argument("--check", action="store_true", help="import the engines, print an ok event, exit")
    parser.add_argument("--no-stdin-watch", action="store_true", help="don't cancel when stdin closes")
    args = parser.parse_args(argv)
    if args.check:
        import dreamreel.core.engine.draft  # noqa: F401
        import dreamreel.core.engine.render  # noqa: F401

        _print_event({"event": "ok", "python": sys.version.split()[0]})
        return 0
    if args.project is None or args.cache is None or args.engine is None:
        parser.error("--project, --cache and --engine are required")
    from dreamreel.core.errors import ProjectError
    from dreamreel.core.project import project_from_dict

    try:
        project = project_from_dict(json.loads(args.project.read_text(encoding="utf-8")))
    except (OSError, ValueError, ProjectError) as e:
        _print_event({"event": "error", "message": f"{args.project}: cannot read the project ({e})"})
        return 2
    stop = threading.Event()
    if not args.no_stdin_watch:
        threading.Thread(target=_watch_stdin, args=(stop,), daemon=True).start()
    t_range = (args.t0, args.t1) if args.t0 is not None and args.t1 is not None else None
    if args.export is not None:
        run_export(project, args.engine, args.cache, args.export, emit=_print_event, t_range=t_range,
                   burn_lyrics=args.burn_lyrics, crf=args.crf, cancel=stop.is_set)
    else:
        run_job(project, args.engine, args.cache, emit=_print_event, t_range=t_range, cancel=stop.is_set)
    return 0


if __name__ == "__main__":
    sys.exit(main())
