"""Importing a song off the GUI thread: probe + sha256 of a long file take seconds.

`AudioImporter.start(path)` runs core's `audio_ref_for` in a background thread and hands the
plain `AudioRef` back through `imported(path, ref)` (or `failed(path, message)`); the window
applies `SetAudio` on the GUI thread. `busy` drives a status-bar indicator.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from dreamreel.editor.background import Background


class AudioImporter(QObject):
    """One song import at a time, in a background thread."""

    imported = Signal(str, object)  # path, AudioRef
    failed = Signal(str, str)  # path, one-line message
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._background = Background(self, name="dreamreel-import")
        self._busy = False

    def is_busy(self) -> bool:
        return self._busy

    def start(self, path) -> bool:
        """Start importing `path`; False when an import is already running."""
        if self._busy:
            return False
        from dreamreel.core.interchange import audio_ref_for

        path = str(path)
        self._busy = True
        self._background.submit(audio_ref_for, path, on_done=lambda ref: self._on_job_done(path, ref, ""),
                                on_error=lambda e: self._on_job_done(path, None, _message(path, e)))
        self.busyChanged.emit(True)
        return True

    def shutdown(self) -> None:
        """Stop (waits for a running import); call before the window goes away."""
        self._background.shutdown(wait=True)

    def _on_job_done(self, path: str, ref, message: str) -> None:
        self._busy = False
        self.busyChanged.emit(False)
        if ref is None:
            self.failed.emit(path, message)
        else:
            self.imported.emit(path, ref)


def _message(path: str, error: Exception) -> str:
    from dreamreel.core.errors import DreamreelError

    if isinstance(error, DreamreelError):
        return str(error)
    return f"{path}: cannot read this audio file ({type(error).__name__}: {error})"
