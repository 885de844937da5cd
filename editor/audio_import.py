"""Importing a song off the GUI thread: probe + sha256 of a long file take seconds.

`AudioImporter.start(path)` runs core's `audio_ref_for` in the thread pool and hands the
plain `AudioRef` back through `imported(path, ref)` (or `failed(path, message)`); the window
applies `SetAudio` on the GUI thread. `busy` drives a status-bar indicator.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    done = Signal(str, object, str)  # path, AudioRef or None, error message


class _ImportJob(QRunnable):
    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.signals = _Signals()

    def run(self) -> None:  # worker thread: core only, plain data back
        from dreamreel.core.errors import DreamreelError
        from dreamreel.core.importing import audio_ref_for

        try:
            ref, message = audio_ref_for(self.path), ""
        except DreamreelError as e:
            ref, message = None, str(e)
        except Exception as e:  # noqa: BLE001 - one plain line, never a dead worker
            ref, message = None, f"{self.path}: cannot read this audio file ({type(e).__name__}: {e})"
        try:
            self.signals.done.emit(self.path, ref, message)
        except RuntimeError:  # the application quit meanwhile
            pass


class AudioImporter(QObject):
    """One song import at a time, in the thread pool."""

    imported = Signal(str, object)  # path, AudioRef
    failed = Signal(str, str)  # path, one-line message
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._job: _ImportJob | None = None

    def is_busy(self) -> bool:
        return self._job is not None

    def start(self, path) -> bool:
        """Start importing `path`; False when an import is already running."""
        if self._job is not None:
            return False
        self._job = _ImportJob(str(path))
        self._job.setAutoDelete(False)  # held until its result arrives
        self._job.signals.done.connect(self._on_job_done)
        QThreadPool.globalInstance().start(self._job)
        self.busyChanged.emit(True)
        return True

    def _on_job_done(self, path: str, ref, message: str) -> None:
        self._job = None
        self.busyChanged.emit(False)
        if ref is None:
            self.failed.emit(path, message)
        else:
            self.imported.emit(path, ref)
