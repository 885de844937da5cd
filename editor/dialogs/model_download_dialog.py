"""Download a VQGAN preset from the editor: core's `download_preset` in a `Background` worker,
with a progress bar and Cancel.

The worker only writes the latest (done, total, file) into an attribute; a GUI-thread timer
draws it, so no signal ever crosses threads per chunk. Cancel stops between chunks and keeps
the `.part` file: the next download resumes it. `downloaded` fires once the files are in place.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QVBoxLayout

from dreamreel.core.errors import Cancelled, DreamreelError
from dreamreel.editor.background import Background

POLL_MS = 100


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def describe_failure(error: Exception) -> str:
    """One plain line for a failed download (core's errors already are one line)."""
    if isinstance(error, DreamreelError):
        return str(error)
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        return f"Cannot write the model file{where}: {error.strerror or error}"
    return f"Download failed: {type(error).__name__}: {error}"


class ModelDownloadDialog(QDialog):
    """Fetches one preset's files into the models dir; Cancel keeps the partial file for resume."""

    downloaded = Signal(str)  # preset name
    failed = Signal(str)  # "cancelled", or the failure's first line

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.name = name
        self.setWindowTitle(f"Download {name}")
        self.message = QLabel(f"Connecting to download {name}…")
        self.message.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self._stop = threading.Event()
        self._latest: tuple[int, int, str] | None = None  # written by the worker, read here
        self._running = False
        self._background = Background(self, name="dreamreel-download")
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_progress_changed)

    def start(self) -> None:
        """Begin the download in the background (call once, after showing the dialog)."""
        self._running = True
        self._timer.start()
        self._background.submit(self._work, on_done=self._on_done, on_error=self._on_error)

    def is_running(self) -> bool:
        return self._running

    def _work(self):  # worker thread: no widgets here
        from dreamreel.core.engine.download import download_preset

        def progress(done: int, total: int, message: str) -> None:
            self._latest = (done, total, message)

        return download_preset(self.name, progress=progress, cancel=self._stop.is_set, log=None)

    def _on_progress_changed(self):
        latest = self._latest
        if latest is None or not self._running or self._stop.is_set():
            return
        done, total, filename = latest
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(min(1000, int(done * 1000 / total)))
            self.message.setText(f"Downloading {filename}: {_mb(done)} of {_mb(total)}")
        else:
            self.bar.setRange(0, 0)
            self.message.setText(f"Downloading {filename}: {_mb(done)}")

    def _finish(self, text: str) -> None:
        self._running = False
        self._timer.stop()
        self.message.setText(text)
        self.buttons.setStandardButtons(QDialogButtonBox.Close)
        self.buttons.setEnabled(True)

    def _on_done(self, paths):
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self._finish(f"{self.name} is ready ({len(paths)} files in {paths[0].parent}).")
        self.downloaded.emit(self.name)

    def _on_error(self, error: Exception):
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        if isinstance(error, Cancelled):
            self._finish("Download cancelled. The partial file is kept: downloading again resumes it.")
            self.failed.emit("cancelled")
        else:
            text = describe_failure(error)
            self._finish(text)
            self.failed.emit(text.splitlines()[0] if text else "failed")

    def reject(self):
        """Cancel while running (the dialog stays until the worker stops); close otherwise."""
        if self._running:
            self._stop.set()
            self.message.setText("Cancelling…")
            self.buttons.setEnabled(False)
            self.buttons.setStandardButtons(QDialogButtonBox.Close)
            return
        super().reject()

    def done(self, result):
        self._stop.set()
        self._timer.stop()
        self._background.shutdown(wait=True)
        super().done(result)

    def closeEvent(self, event):
        if self._running:
            self.reject()
            event.ignore()
            return
        super().closeEvent(event)
