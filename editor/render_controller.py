"""Background rendering for the editor: jobs off the GUI thread, live block states.

`RenderController` runs one render job at a time and turns its events into Qt signals and
per-block states for the timeline:

- the draft engine runs in a `ThreadJob` (a QThread calling the Qt-free
  `render_worker.run_job`; Cancel sets a flag the core checks between steps);
- the AI engine runs in a `ProcessJob` (a QProcess running `python -m
  dreamreel.editor.render_worker`, JSON events on stdout); Cancel kills it at once — finished
  keyframes are already in the cache, so the next render resumes there.

Block states come from core's `keyframe_states` (which keyframes of the current plan are in
the cache) plus what this session saw: "stale" means a block had keyframes rendered under keys
its current plan no longer uses (an edit changed them) and the current ones are not all cached.
"""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QThread, QTimer, Signal

from dreamreel.editor.render_worker import project_payload, run_job, worker_command

_TERMINAL = ("done", "cancelled", "error")


class ThreadJob(QThread):
    """Runs the Qt-free render job in a worker thread (only plain dicts cross back)."""

    event = Signal(object)
    ended = Signal()

    def __init__(self, project, engine_name: str, cache_dir: Path, t_range, parent=None):
        super().__init__(parent)
        self._args = (project, engine_name, cache_dir, t_range)
        self._stop = threading.Event()
        self.finished.connect(self.ended)

    def run(self) -> None:  # worker thread: no widgets, no project edits, only signals out
        project, engine_name, cache_dir, t_range = self._args
        run_job(project, engine_name, cache_dir, emit=self.event.emit, t_range=t_range, cancel=self._stop.is_set)

    def cancel(self) -> None:
        self._stop.set()

    def wait_done(self, timeout_ms: int) -> bool:
        self._stop.set()
        return self.wait(timeout_ms)


class ProcessJob(QObject):
    """Runs the render job in a child process; one JSON event per stdout line."""

    event = Signal(object)
    ended = Signal()

    def __init__(self, project, engine_name: str, cache_dir: Path, t_range, parent=None):
        super().__init__(parent)
        self._tmp = tempfile.TemporaryDirectory(prefix="dreamreel-job-")
        project_file = Path(self._tmp.name) / "project.json"
        project_file.write_text(json.dumps(project_payload(project)), encoding="utf-8")
        args = ["--project", str(project_file), "--cache", str(cache_dir), "--engine", engine_name]
        if t_range is not None:
            args += ["--t0", repr(float(t_range[0])), "--t1", repr(float(t_range[1]))]
        self._buffer = b""
        self._stderr = b""
        self._ended_seen = False
        self._cancelled = False
        self._proc = QProcess(self)
        self._proc.readyReadStandardOutput.connect(self._on_stdout_changed)
        self._proc.readyReadStandardError.connect(self._on_stderr_changed)
        self._proc.finished.connect(self._on_process_finished)
        self._proc.errorOccurred.connect(self._on_process_error)
        self._cmd = worker_command(args)

    def start(self) -> None:
        self._proc.start(self._cmd[0], self._cmd[1:])

    def cancel(self) -> None:
        self._cancelled = True
        if self._proc.state() != QProcess.ProcessState.NotRunning:
            self._proc.kill()  # at once: a GPU step can't be interrupted politely

    def wait_done(self, timeout_ms: int) -> bool:
        self.cancel()
        if self._proc.state() == QProcess.ProcessState.NotRunning:
            return True
        return self._proc.waitForFinished(timeout_ms)

    def isRunning(self) -> bool:  # noqa: N802 - same name as QThread's
        return self._proc.state() != QProcess.ProcessState.NotRunning

    def _on_stdout_changed(self) -> None:
        self._buffer += bytes(self._proc.readAllStandardOutput())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._handle_line(line)

    def _handle_line(self, line: bytes) -> None:
        line = line.strip()
        if not line:
            return
        try:
            ev = json.loads(line)
        except ValueError:
            return  # a library printing to stdout; not ours
        if isinstance(ev, dict) and "event" in ev:
            if ev["event"] in _TERMINAL:
                self._ended_seen = True
            self.event.emit(ev)

    def _on_stderr_changed(self) -> None:
        self._stderr = (self._stderr + bytes(self._proc.readAllStandardError()))[-8000:]

    def _on_process_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._finish(f"the render worker could not start ({self._proc.errorString()})")

    def _on_process_finished(self, exit_code: int, exit_status) -> None:
        self._on_stdout_changed()
        self._handle_line(self._buffer)
        self._buffer = b""
        last = [ln for ln in self._stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        why = last[-1] if last else f"exit code {exit_code}"
        self._finish(f"the render worker stopped unexpectedly: {why}")

    def _finish(self, message: str) -> None:
        if not self._ended_seen:
            self._ended_seen = True
            self.event.emit({"event": "cancelled"} if self._cancelled else {"event": "error", "message": message})
        self._tmp.cleanup()
        self.ended.emit()


# --- where the cache lives --------------------------------------------------------------------

_session_cache: Path | None = None


def cache_dir_for(project) -> Path:
    """The keyframe cache of a project: beside its file once saved, else a per-session folder
    in the user cache (shared by the controller, the preview panel and the export dialog)."""
    global _session_cache
    from dreamreel.core.engine.cache import default_cache_dir

    if project.path is not None:
        return default_cache_dir(project.path)
    if _session_cache is None:
        import platformdirs

        base = Path(platformdirs.user_cache_dir("dreamreel")) / "unsaved"
        base.mkdir(parents=True, exist_ok=True)
        _session_cache = Path(tempfile.mkdtemp(prefix="session-", dir=base))
    return _session_cache


def engine_identity(project, engine_name: str, known: dict | None = None) -> dict | None:
    """The cache identity of an engine without loading models: the draft engine's is fixed;
    the AI engine's (weight hashes) is what a worker reported, from `known`, or None."""
    if engine_name == "draft":
        from dreamreel.core.engine.draft import DraftEngine

        return DraftEngine.from_settings(project.render).identity()
    s = project.render
    return (known or {}).get((engine_name, s.vqgan, s.clip_model, s.clip_pretrained))


STATES_INTERVAL_MS = 100
_orphans: list = []  # jobs that outlived shutdown's wait: kept alive so no QThread dies running


class RenderController(QObject):
    """Runs render jobs off the GUI thread and reports per-block states for the timeline.

    Signals: keyframeDone(block_id), progress(done, total, message), finished(), failed(message),
    cancelled(), runningChanged(bool), statesChanged().
    """

    keyframeDone = Signal(str)
    progress = Signal(int, int, str)
    finished = Signal()
    failed = Signal(str)
    cancelled = Signal()
    runningChanged = Signal(bool)
    statesChanged = Signal()

    process_engines = frozenset({"vqgan-clip"})  # engines run in a worker process (killable)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._job = None
        self._project = None
        self._cache_dir: Path | None = None  # None = cache_dir_for(project)
        self._job_engine = "draft"
        self._identities: dict = {}  # (engine, vqgan, clip, pretrained) -> identity, from workers
        self._pending: dict[str, str] = {}  # key -> block_id still to come in the running job
        self._iters: dict[str, int] = {}  # key -> iterations, for the running job
        self._job_blocks: dict[str, list[str]] = {}  # block_id -> keys the running job needs
        self._current_fraction = 0.0  # of the keyframe being optimised now
        self._progress_base = 0
        self._seen: dict[str, set[str]] = {}  # block_id -> keys seen rendered this session
        self._thumbs: dict[str, str] = {}  # block_id -> preview PNG of its first keyframe
        self._ending = None  # the signal to send once the job has really ended
        # Coalesce state announcements: a draft render finishes hundreds of keyframes a second
        # and every listener recomputes block_states (a plan + a stat per keyframe).
        self._states_timer = QTimer(self)
        self._states_timer.setSingleShot(True)
        self._states_timer.setInterval(STATES_INTERVAL_MS)
        self._states_timer.timeout.connect(self.statesChanged)

    # --- project and cache -----------------------------------------------------------------

    def set_project(self, project) -> None:
        """Watch a project: every change announces statesChanged (blocks may now be stale)."""
        if self._project is not None:
            self._project.changed.disconnect(self._on_project_changed)
        self._project = project
        self._seen.clear()
        self._thumbs.clear()
        if project is not None:
            project.changed.connect(self._on_project_changed)
        self.statesChanged.emit()

    def set_cache_dir(self, path: str | Path | None) -> None:
        """Use this cache folder instead of the project's default one."""
        self._cache_dir = Path(path) if path is not None else None

    def cache_dir(self, project=None) -> Path:
        project = project or self._project
        return self._cache_dir or cache_dir_for(project)

    def _cache(self, project=None):
        from dreamreel.core.engine.cache import KeyframeCache

        return KeyframeCache(self.cache_dir(project))

    def identity(self, project=None, engine: str | None = None) -> dict | None:
        """The cache identity of `engine` (default: the project's), if known without loading
        models (the AI engine's becomes known once a worker has reported it)."""
        project = project or self._project
        return engine_identity(project, engine or project.render.engine, self._identities)

    def refresh(self) -> None:
        """Announce statesChanged soon (e.g. after an export filled the cache)."""
        self._notify_states()

    def _on_project_changed(self, change) -> None:
        self._notify_states()

    def _notify_states(self) -> None:
        if not self._states_timer.isActive():
            self._states_timer.start()

    # --- jobs ------------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self._job is not None

    def start(self, project, *, t_range: tuple[float, float] | None = None, engine: str | None = None) -> bool:
        """Render the keyframes `t_range` (seconds; None = the whole song) needs with `engine`
        ("draft", "vqgan-clip"; None = the project's setting). False if a job is running."""
        if self._job is not None:
            return False
        if self._project is None:
            self.set_project(project)
        self._job_engine = engine or project.render.engine
        # The job gets its own copy: the user keeps editing while it runs.
        from dreamreel.core.project import project_from_dict

        snapshot = project_from_dict(project_payload(project))
        cache_dir = self.cache_dir(project)
        cls = ProcessJob if self._job_engine in self.process_engines else ThreadJob
        self._job = cls(snapshot, self._job_engine, cache_dir, t_range, self)
        self._job.event.connect(self._on_job_event)
        self._job.ended.connect(self._on_job_ended)
        self._job.start()
        self.runningChanged.emit(True)
        return True

    def cancel(self) -> None:
        """Stop the running job (the AI worker is killed at once); `cancelled` follows."""
        if self._job is not None:
            self._job.cancel()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel and wait for the job to end (call from the main window's closeEvent)."""
        job, self._job = self._job, None
        if job is None:
            return
        job.event.disconnect(self._on_job_event)
        job.ended.disconnect(self._on_job_ended)
        self._pending.clear()
        self._states_timer.stop()
        if job.wait_done(timeout_ms):
            job.deleteLater()
        else:
            _orphans.append(job)

    def _on_job_event(self, ev: dict) -> None:
        kind = ev.get("event")
        if kind == "identity" and self._project is not None:
            s = self._project.render
            self._identities[(self._job_engine, s.vqgan, s.clip_model, s.clip_pretrained)] = ev["identity"]
        elif kind == "plan":
            self._pending = {key: bid for bid, key, _, cached in ev["needed"] if not cached}
            self._iters = {key: max(1, int(it)) for _, key, it, _ in ev["needed"]}
            self._job_blocks = {}
            for bid, key, _, _ in ev["needed"]:
                self._job_blocks.setdefault(bid, []).append(key)
            self._progress_base = 0
            self._notify_states()
        elif kind == "progress":
            current = next(iter(self._pending), None)
            if current is not None:
                self._current_fraction = min(1.0, (ev["done"] - self._progress_base) / self._iters[current])
            self.progress.emit(ev["done"], ev["total"], ev["message"])
        elif kind == "keyframe":
            bid, key = ev["block_id"], ev["key"]
            if key in self._pending:
                self._progress_base += self._iters.get(key, 1)
            self._pending.pop(key, None)
            self._current_fraction = 0.0
            self._seen.setdefault(bid, set()).add(key)
            if ev.get("preview") and (ev["index"] == 0 or bid not in self._thumbs):
                self._thumbs[bid] = ev["preview"]
            self.keyframeDone.emit(bid)
            self._notify_states()
        elif kind == "done":
            self._end(self.finished.emit)
        elif kind == "cancelled":
            self._end(self.cancelled.emit)
        elif kind == "error":
            message = ev.get("message") or "render failed"
            self._end(lambda: self.failed.emit(message))

    def _end(self, announce) -> None:
        self._pending.clear()
        self._job_blocks.clear()
        self._ending = announce  # announced when the thread/process has really ended

    def _on_job_ended(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            if isinstance(job, QThread):
                job.wait()  # `finished` comes just before the thread really ends: let it end first
            job.deleteLater()
        announce = getattr(self, "_ending", None) or self.finished.emit
        self._ending = None
        self.runningChanged.emit(False)
        self.statesChanged.emit()
        announce()

    # --- states ----------------------------------------------------------------------------

    def block_states(self, project=None, engine: str | None = None) -> dict[str, tuple[str, float]]:
        """{block_id: (state, fraction)}; state in none/queued/rendering/cached/stale;
        fraction: how far "rendering" is (0..1), else the share of keyframes cached."""
        from dreamreel.core.engine.render import keyframe_states
        from dreamreel.core.engine.schedule import plan_keyframes

        project = project or self._project
        if project is None:
            return {}
        engine = engine or (self._job_engine if self._job is not None else project.render.engine)
        identity = engine_identity(project, engine, self._identities)
        cache = self._cache(project)
        counts = keyframe_states(project, identity, cache) if identity else {}
        current: dict[str, set[str]] = {}
        if identity and any(self._seen.get(b.id) for b in project.blocks):
            for kf in plan_keyframes(project, identity):
                current.setdefault(kf.block_id, set()).add(kf.key)
        pending_blocks = set(self._pending.values())
        rendering = self._pending[next(iter(self._pending))] if self._pending else None
        states: dict[str, tuple[str, float]] = {}
        for b in project.blocks:
            n_cached, n_total = counts.get(b.id, (0, 0))
            share = n_cached / n_total if n_total else 0.0
            if b.id == rendering:
                keys = self._job_blocks.get(b.id, [])
                done = sum(1 for k in keys if k not in self._pending)
                states[b.id] = ("rendering", (done + self._current_fraction) / max(1, len(keys)))
            elif b.id in pending_blocks:
                states[b.id] = ("queued", share)
            elif n_total and n_cached == n_total:
                states[b.id] = ("cached", 1.0)
            elif self._seen.get(b.id, set()) - current.get(b.id, set()):
                states[b.id] = ("stale", share)
            else:
                states[b.id] = ("none", share)
        return states

    def thumbnail_path(self, block_id: str) -> str | None:
        """A preview PNG of the block (its first keyframe; possibly from before an edit)."""
        path = self._thumbs.get(block_id)
        if path is None and self._project is not None:
            from dreamreel.core.engine.render import block_preview_path

            identity = engine_identity(self._project, self._project.render.engine, self._identities)
            try:
                found = block_preview_path(self._project, identity, self._cache(), block_id) if identity else None
            except KeyError:
                found = None
            path = str(found) if found else None
            if path:
                self._thumbs[block_id] = path
        return path if path and Path(path).exists() else None

    def clear_cache(self, block_ids) -> None:
        """Delete the cached keyframes (current plan, every engine known) of these blocks."""
        from dreamreel.core.engine.schedule import plan_keyframes

        project = self._project
        if project is None:
            return
        ids, cache = set(block_ids), self._cache()
        for name in ("draft", "vqgan-clip"):
            identity = engine_identity(project, name, self._identities)
            if identity:
                for kf in plan_keyframes(project, identity):
                    if kf.block_id in ids:
                        cache.delete(kf.key)
        for bid in ids:
            self._thumbs.pop(bid, None)
            self._seen.pop(bid, None)
        self.statesChanged.emit()
