"""The render job, Qt-free: fill the keyframe cache for a project and report plain events.

`run_job(...)` is what both sides of `RenderController` execute: engines whose registry entry
says `needs_worker_process` run it in a separate process, the others in a QThread,

    python -m dreamreel.editor.render.render_worker --project P.json --cache DIR --engine NAME
    <frozen app> --render-worker ...            (PyInstaller build, see packaging/)

which prints one JSON event per line on stdout, so Cancel can kill the process at once (a
GPU optimisation step cannot be interrupted from another thread). Events (dicts):

    {"event": "plan", "needed": [[block_id, key, iterations, cached], ...]}
    {"event": "progress", "done": d, "total": t, "message": "keyframe 3/10"}
    {"event": "keyframe", "block_id", "index", "key", "preview", "cached", "done", "total"}
    {"event": "done"} | {"event": "cancelled"} | {"event": "error", "message": "..."}

If stdin closes (the editor died), the process worker cancels itself.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from dreamreel.core.errors import Cancelled, DreamreelError

Emit = Callable[[dict], None]
PROGRESS_INTERVAL_S = 0.05  # draft keyframes take microseconds: don't flood the GUI


def run_job(project, engine_name: str, cache_dir: str | Path, *, emit: Emit,
            t_range: tuple[float, float] | None = None, cancel: Callable[[], bool] | None = None,
            engine=None) -> None:
    """Render the keyframes `t_range` (seconds; None = whole song) needs. Never raises:
    every outcome ends with exactly one "done", "cancelled" or "error" event."""
    try:
        from dreamreel.core.engine import registry
        from dreamreel.core.engine.cache import KeyframeCache
        from dreamreel.core.engine.render import plan_render, render_keyframes

        engine = engine or registry.get(engine_name).load(project.render)
        cache = KeyframeCache(cache_dir)
        plan = plan_render(project, engine, cache, t_range=t_range)
        todo = set(plan.todo)
        needed = [[plan.keyframes[i].block_id, plan.keyframes[i].key, plan.keyframes[i].spec.iterations,
                   i not in todo] for i in plan.needed]
        emit({"event": "plan", "needed": needed})
        last = [0.0]

        def progress(done: int, total: int, message: str) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL_S or done >= total:
                last[0] = now
                emit({"event": "progress", "done": int(done), "total": int(total), "message": message})

        def on_keyframe(ev) -> None:
            emit({"event": "keyframe", "block_id": ev.block_id, "index": ev.index, "key": ev.key,
                  "preview": str(ev.preview_path) if ev.preview_path else None, "cached": ev.cached,
                  "done": ev.done, "total": ev.total})

        render_keyframes(project, engine, cache, plan=plan, progress=progress, cancel=cancel,
                         on_keyframe=on_keyframe)
    except Cancelled:
        emit({"event": "cancelled"})
    except DreamreelError as e:
        emit({"event": "error", "message": str(e)})
    except Exception as e:  # noqa: BLE001 - a bug must still end the job with a message
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "message": f"render failed: {type(e).__name__}: {e}"})
    else:
        emit({"event": "done"})


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
    from dataclasses import replace

    from dreamreel.core.events import Signal

    audio = copy.copy(project.audio)
    path = project.audio_path()
    if audio is not None and path is not None:
        audio.path = str(path.absolute())
    return replace(project, blocks=list(project.blocks), style=copy.deepcopy(project.style),
                   render=copy.deepcopy(project.render), audio=audio, tags=dict(project.tags),
                   path=None, changed=Signal())


def worker_command(args: list[str]) -> list[str]:
    """argv that starts this module in a fresh process (the frozen app dispatches a flag)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--render-worker", *args]
    return [sys.executable, "-m", "dreamreel.editor.render.render_worker", *args]


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
    parser = argparse.ArgumentParser(prog="dreamreel.editor.render.render_worker",
                                     description="Render a project's keyframes into its cache (JSON events on stdout).")
    parser.add_argument("--project", type=Path, help="project JSON (as written by project_payload)")
    parser.add_argument("--cache", type=Path, help="keyframe cache folder")
    parser.add_argument("--engine", required=False, help="a registered engine's name (`dreamreel engines`)")
    parser.add_argument("--t0", type=float, default=None, help="range start, seconds")
    parser.add_argument("--t1", type=float, default=None, help="range end, seconds")
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
    run_job(project, args.engine, args.cache, emit=_print_event, t_range=t_range, cancel=stop.is_set)
    return 0


if __name__ == "__main__":
    sys.exit(main())
