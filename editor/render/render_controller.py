"""Background rendering for the editor: jobs off the GUI thread, live block states.

`RenderController` is the editor's one render runner: one job at a time, a render (fill the
cache for a range: Render, Preview) or an export (`start_export`: an MP4), in
`render_jobs.ProcessJob`, a killable child process, for engines whose registry entry
`needs_worker_process`, or `render_jobs.ThreadJob` for the others. It turns the job's events
into Qt signals and per-block states for the timeline. A render and an export never run at
once (each would hold its own model copy): `start` and `start_export` refuse while a job runs.

Block states: what the cache holds for the current plan is computed by core's `compute_states`
in a background thread (planning imports the engine and may load the song's analysis: never on
the GUI thread), incrementally: only the blocks edited since the last result (`Change.block_ids`)
are planned afresh, and the cache is looked up again only after it changed. Then combined on
the GUI thread with what this session saw: "stale" means a block had keyframes rendered under
keys its current plan no longer uses (an edit changed them) and the current ones are not all
cached. Until the first result is in, blocks read "none".
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from dreamreel.core.engine import registry
from dreamreel.core.engine.states import EngineStates, combine_states, compute_states, engine_identity
from dreamreel.editor.background import Background
from dreamreel.editor.render.render_jobs import ProcessJob, ThreadJob, cache_dir_for
from dreamreel.core.engine.worker import snapshot

__all__ = ["RenderController", "cache_dir_for", "engine_identity"]


STATES_INTERVAL_MS = 100
_orphans: list = []  # jobs that outlived shutdown's wait: kept alive so no QThread dies running


class RenderController(QObject):
    """Runs render jobs off the GUI thread and reports per-block states for the timeline.

    Signals: keyframeDone(block_id), progress(done, total, message), finished(), failed(message),
    cancelled(), runningChanged(bool), statesChanged() (read `current_states()` then; cheap).
    An export has its own: exportProgress(done, total, message), exported(path, seconds per
    iteration measured or 0), exportFailed(message), exportCancelled(), exportNote(line); runningChanged too.
    """

    keyframeDone = Signal(str)
    progress = Signal(int, int, str)
    finished = Signal()
    failed = Signal(str)
    cancelled = Signal()
    runningChanged = Signal(bool)
    statesChanged = Signal()
    exportProgress = Signal(int, int, str)
    exported = Signal(str, float)
    exportFailed = Signal(str)
    exportCancelled = Signal()
    exportNote = Signal(str)  # one line the user should see (e.g. RIFE weights missing: blends instead)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._job = None
        self._job_kind = "render"  # or "export"
        self._project = None
        self._job_engine = registry.DEFAULT_ENGINE
        self._job_preview = False
        self._pending: dict[str, str] = {}  # key -> block_id still to come in the running job
        self._iters: dict[str, int] = {}  # key -> iterations, for the running job
        self._job_blocks: dict[str, list[str]] = {}  # block_id -> keys the running job needs
        self._current_fraction = 0.0  # of the keyframe being optimised now
        self._progress_base = 0
        self._seen: dict[str, set[str]] = {}  # block_id -> keys seen rendered this session
        self._thumbs: dict[str, str] = {}  # block_id -> preview PNG of its first keyframe
        self._ending = None  # the signal to send once the job has really ended
        self._results: dict[str, EngineStates] = {}  # engine -> latest cache picture (worker)
        self._states_token = 0  # bumped per project: results for another project are dropped
        self._states_busy = False
        self._states_dirty = False
        self._changed: set[str] | None = None  # blocks edited since the last request (None: all)
        self._cache_changed = True  # the cache may differ from the latest result's lookups
        self._background = Background(self, name="dreamreel-states")
        # Coalesce: a draft render finishes hundreds of keyframes a second; each announcement
        # recombines states (cheap) and asks the worker for a fresh cache picture.
        self._states_timer = QTimer(self)
        self._states_timer.setSingleShot(True)
        self._states_timer.timeout.connect(self._on_states_timer)

    # --- project and cache -----------------------------------------------------------------

    def set_project(self, project) -> None:
        """Watch a project: every change announces statesChanged (blocks may now be stale)."""
        if self._project is not None:
            self._project.changed.disconnect(self._on_project_changed)
        self._project = project
        self._seen.clear()
        self._thumbs.clear()
        self._results = {}
        self._changed, self._cache_changed = None, True
        self._states_token += 1
        if project is not None:
            project.changed.connect(self._on_project_changed)
        self.statesChanged.emit()
        self._notify_states()

    def cache_dir(self, project=None) -> Path:
        project = project or self._project
        return cache_dir_for(project)

    def _cache(self, project=None):
        from dreamreel.core.engine.cache import KeyframeCache

        return KeyframeCache(self.cache_dir(project))

    def identity(self, project=None, engine: str | None = None) -> dict | None:
        """The cache identity of `engine` (default: the project's), from the registry without
        loading models (None when its files are missing). The states worker's, when it has one
        for the current project; else worked out on the calling thread (may hash weights once)."""
        project = project or self._project
        engine = engine or project.render.engine
        known = self._results.get(engine)
        if known is not None and known.identity is not None and project is self._project:
            return known.identity
        return engine_identity(project, engine)

    def plan(self, engine: str) -> list[tuple] | None:
        """The current project's keyframes for `engine` as [(t_ms, key, block_id, spec)] in
        video order, from the latest states worker; None until it has reported."""
        states = self._results.get(engine)
        return states.plan if states is not None and states.identity is not None else None

    def states_of(self, engine: str) -> EngineStates | None:
        """The latest EngineStates of the current project for `engine` (None until in)."""
        return self._results.get(engine)

    def refresh(self) -> None:
        """Announce statesChanged soon (e.g. after an export filled the cache)."""
        self._cache_changed = True
        self._notify_states()

    def _on_project_changed(self, change) -> None:
        if change.kind == "blocks" and self._changed is not None:
            self._changed |= change.block_ids | change.added
        elif change.kind != "tags":  # style, render, audio, all: every key may change
            self._changed = None
        self._notify_states(soon=self._job is None)  # an edit re-plans only what it touched: at once

    def _notify_states(self, soon: bool = False) -> None:
        """Recombine and ask for a fresh cache picture: within STATES_INTERVAL_MS (coalescing a
        render's keyframe events), or `soon`: on the next turn of the event loop."""
        timer = self._states_timer
        if not timer.isActive() or (soon and timer.remainingTime() > 0):
            timer.start(0 if soon else STATES_INTERVAL_MS)

    def _on_states_timer(self) -> None:
        self.request_states()  # first: the worker starts while the views recombine
        self.statesChanged.emit()  # session states (rendering, queued) changed: recombine now

    def request_states(self) -> None:
        """Recompute the cache picture in the thread pool; statesChanged when it is in."""
        project = self._project
        if project is None:
            return
        if self._states_busy:
            self._states_dirty = True
            return
        self._states_busy, self._states_dirty = True, False
        snap = snapshot(project)  # the worker's own copy
        engines = [project.render.engine, registry.DEFAULT_ENGINE] + ([self._job_engine] if self.is_running() else [])
        token, cache_dir = self._states_token, self.cache_dir(project)
        previous, changed, recheck = self._results, self._changed, self._cache_changed
        self._changed, self._cache_changed = set(), False  # from now on: relative to this result
        self._background.submit(
            lambda: compute_states(snap, engines, cache_dir, previous=previous, changed=changed, recheck=recheck),
            on_done=lambda results: self._on_states_ready(token, results),
            on_error=lambda _error: self._on_states_ready(token, None),
        )

    def _on_states_ready(self, token: int, results: dict | None) -> None:
        self._states_busy = False
        if token == self._states_token:
            if results is not None:
                self._results = results
                self.statesChanged.emit()
            else:  # the next request cannot build on this one
                self._changed, self._cache_changed = None, True
        if self._states_dirty:
            self.request_states()

    def states_pending(self) -> bool:
        """True while a states worker is computing (or about to); for tests and benchmarks."""
        return self._states_busy or self._states_timer.isActive()

    # --- jobs ------------------------------------------------------------------------------

    def is_running(self) -> bool:
        """A render job (not an export) is running."""
        return self._job is not None and self._job_kind == "render"

    def is_exporting(self) -> bool:
        return self._job is not None and self._job_kind == "export"

    def is_busy(self) -> bool:
        """A render or an export is running: nothing else may start."""
        return self._job is not None

    def start_export(self, project, out_path, *, settings=None, t_range: tuple[float, float] | None = None,
                     burn_lyrics: bool | None = None, crf: int | None = None) -> bool:
        """Export `project` to the MP4 `out_path`: `settings` (RenderSettings; None = the
        project's) for this export only, `t_range` seconds (None = the whole song). The job
        works on a snapshot taken now: edits made while it runs do not reach it. Keyframes it
        renders go into the project's cache. False while a render or an export runs."""
        if self._job is not None:
            return False
        if self._project is None:
            self.set_project(project)
        snap = snapshot(project)
        if settings is not None:
            import copy

            snap.render = copy.deepcopy(settings)
        export = {"out_path": str(out_path), "burn_lyrics": burn_lyrics, "crf": crf}
        self._launch(snap, snap.render.engine, self.cache_dir(project), t_range, "export", export)
        return True

    def _launch(self, snap, engine: str, cache_dir: Path, t_range, kind: str, export: dict | None = None,
                preview: bool = False) -> None:
        self._job_kind, self._job_engine, self._job_preview = kind, engine, preview
        cls = ProcessJob if registry.get(engine).needs_worker_process else ThreadJob
        self._job = cls(snap, engine, cache_dir, t_range, self, export=export)
        self._job.event.connect(self._on_job_event)
        self._job.ended.connect(self._on_job_ended)
        self._job.start()
        self.runningChanged.emit(True)

    def start(self, project, *, t_range: tuple[float, float] | None = None, engine: str | None = None,
              preview: bool = False) -> bool:
        """Render the keyframes `t_range` (seconds; None = the whole song) needs with `engine`
        (a registered engine's name; None = the project's setting). `preview`: a fresh-start
        preview, whose keys are no block's (never "seen"). False if a job is running."""
        if self._job is not None:
            return False
        if self._project is None:
            self.set_project(project)
        # The job gets its own copy: the user keeps editing while it runs.
        self._launch(snapshot(project), engine or project.render.engine, self.cache_dir(project), t_range, "render",
                     preview=preview)
        return True

    def cancel(self) -> None:
        """Stop the running render (the AI worker is killed at once); `cancelled` follows."""
        if self.is_running():
            self._job.cancel()

    def cancel_export(self) -> None:
        """Stop the running export (the worker is killed at once, even while it loads a model;
        no MP4 appears); `exportCancelled` follows."""
        if self.is_exporting():
            self._job.cancel()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel and wait for the job and the states worker to end (from closeEvent)."""
        self._states_timer.stop()
        self._background.shutdown(wait=True)
        job, self._job = self._job, None
        if job is None:
            return
        job.event.disconnect(self._on_job_event)
        job.ended.disconnect(self._on_job_ended)
        self._pending.clear()
        if job.wait_done(timeout_ms):
            job.deleteLater()
        else:
            _orphans.append(job)

    def _on_job_event(self, ev: dict) -> None:
        kind = ev.get("event")
        if self._job_kind == "export":
            self._on_export_event(kind, ev)
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
            if not self._job_preview:
                self._seen.setdefault(bid, set()).add(key)
            if ev.get("preview") and (ev["index"] == 0 or bid not in self._thumbs) and not self._job_preview:
                self._thumbs[bid] = ev["preview"]
            self.keyframeDone.emit(bid)
            self._cache_changed = True
            self._notify_states()
        elif kind == "done":
            self._end(self.finished.emit)
        elif kind == "cancelled":
            self._end(self.cancelled.emit)
        elif kind == "error":
            message = ev.get("message") or "render failed"
            self._end(lambda: self.failed.emit(message))

    def _on_export_event(self, kind: str, ev: dict) -> None:
        if kind == "progress":
            self.exportProgress.emit(ev["done"], ev["total"], ev["message"])
        elif kind == "done":
            path, spi = str(ev.get("path", "")), float(ev.get("seconds_per_iteration") or 0.0)
            self._end(lambda: self.exported.emit(path, spi))
        elif kind == "note":
            self.exportNote.emit(str(ev.get("message", "")))
        elif kind == "cancelled":
            self._end(self.exportCancelled.emit)
        elif kind == "error":
            message = ev.get("message") or "export failed"
            self._end(lambda: self.exportFailed.emit(message))

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
        announce = self._ending or (self.finished.emit if self._job_kind == "render" else self.exportCancelled.emit)
        self._ending = None
        self._cache_changed = True
        self.runningChanged.emit(False)
        self.statesChanged.emit()
        self._notify_states()  # and look at the cache the job filled
        announce()

    # --- states ----------------------------------------------------------------------------

    def current_states(self) -> dict[str, tuple[str, float]]:
        """{block_id: (state, fraction)} from the latest worker result and this session's
        job (cheap: no file access, no engine import). See `combine_states`."""
        project = self._project
        if project is None:
            return {}
        engine = self._job_engine if self.is_running() else project.render.engine
        return combine_states(project, self._results.get(engine), seen=self._seen, pending=self._pending,
                              job_blocks=self._job_blocks, current_fraction=self._current_fraction)

    def thumbnail_path(self, block_id: str) -> str | None:
        """A preview PNG of the block (its first keyframe; possibly from before an edit)."""
        path = self._thumbs.get(block_id)
        if path is None and self._project is not None:
            states = self._results.get(self._project.render.engine)
            path = states.previews.get(block_id) if states is not None else None
        return path if path and Path(path).exists() else None

    def cached_keys(self, block_ids) -> set[str]:
        """The keyframes of these blocks (current plan, every engine known) that are in the
        cache: what `clear_cache` deletes (the editor asks first, with their number)."""
        if self._project is None:
            return set()
        ids, cache = set(block_ids), self._cache()
        results = self._results or compute_states(self._project, [self._project.render.engine, registry.DEFAULT_ENGINE],
                                                  self.cache_dir())
        return {key for states in results.values() for bid in ids for key in states.keys.get(bid, ())
                if cache.has(key)}

    def clear_cache(self, block_ids) -> None:
        """Delete the cached keyframes (current plan, every engine known) of these blocks."""
        if self._project is None:
            return
        ids, cache = set(block_ids), self._cache()
        for key in self.cached_keys(ids):
            cache.delete(key)
        for bid in ids:
            self._thumbs.pop(bid, None)
            self._seen.pop(bid, None)
        self._cache_changed = True
        self.statesChanged.emit()
        self.request_states()
