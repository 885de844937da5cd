"""The two kinds of job runner the `RenderController` uses, and where the cache lives.

Each runs either a render job (fill the cache for a range) or, given `export`
({"out_path", "burn_lyrics", "crf"}), an export job (`render_video` to an MP4):

- `ThreadJob`: the draft engine in a QThread calling the Qt-free `core.engine.worker`;
  Cancel sets a flag the core checks between steps.
- `ProcessJob`: the AI engines in a QProcess running `python -m dreamreel.core.engine.worker`
  (JSON events on stdout); Cancel kills it at once, even while it loads models; finished
  keyframes are already cached, and a killed export's temp file is swept away.

Both emit the worker's plain event dicts through `event` and say `ended` once, at the very end.
"""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QThread, Signal

from dreamreel.core.engine.worker import job_args, project_payload, run_export, run_job, worker_command

_TERMINAL = ("done", "cancelled", "error")


class ThreadJob(QThread):
    """Runs the Qt-free render job in a worker thread (only plain dicts cross back)."""

    event = Signal(object)
    ended = Signal()

    def __init__(self, project, engine_name: str, cache_dir: Path, t_range, parent=None, *,
                 export: dict | None = None):
        super().__init__(parent)
        self._args = (project, engine_name, cache_dir, t_range)
        self._export = export
        self._stop = threading.Event()
        self.finished.connect(self.ended)

    def run(self) -> None:  # worker thread: no widgets, no project edits, only signals out
        project, engine_name, cache_dir, t_range = self._args
        if self._export is not None:
            ex = self._export
            run_export(project, engine_name, cache_dir, ex["out_path"], emit=self.event.emit, t_range=t_range,
                       burn_lyrics=ex.get("burn_lyrics"), crf=ex.get("crf"), cancel=self._stop.is_set)
        else:
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

    def __init__(self, project, engine_name: str, cache_dir: Path, t_range, parent=None, *,
                 export: dict | None = None):
        super().__init__(parent)
        self._tmp = tempfile.TemporaryDirectory(prefix="dreamreel-job-")
        project_file = Path(self._tmp.name) / "project.json"
        project_file.write_text(json.dumps(project_payload(project)), encoding="utf-8")
        args = ["--project", str(project_file), *job_args(engine_name, cache_dir, t_range, export=export)]
        self._out = Path(export["out_path"]) if export is not None else None
        self._succeeded = False
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
                self._succeeded = ev["event"] == "done"
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
        if self._out is not None and not self._succeeded:
            from dreamreel.core.tempfiles import sweep

            sweep(self._out.parent, force=True)  # the killed writer's temp MP4 (its pid is dead now)
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
        from dreamreel.core.paths import cache_dir

        base = cache_dir() / "unsaved"
        base.mkdir(parents=True, exist_ok=True)
        _session_cache = Path(tempfile.mkdtemp(prefix="session-", dir=base))
    return _session_cache
