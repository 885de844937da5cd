"""The export's progress line in the main window's status bar: phase, count, time left, a bar
and Cancel; after the export, what came of it (with Open folder). The window stays usable.

It follows the `RenderController`'s export signals; the export itself is the controller's job
(a snapshot of the project, in the worker process or a thread).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QSettings, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

SPI_KEY = "export/seconds_per_iteration/{}"  # QSettings: measured on this machine by the last export


def fmt_duration(seconds: float) -> str:
    """A duration for people: "42 s", "3 min 05 s", "1 h 20 min"."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class ExportProgress(QWidget):
    """Status-bar widget: hidden until an export starts; `message(text)` for the status line."""

    message = Signal(str)

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self._controller = controller
        self._engine = ""
        self._name = ""
        self._result: str | None = None
        self._phase = ""
        self._note = ""
        self._clock = QElapsedTimer()
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(160)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the export (keyframes made so far stay cached; no video is written)")
        self.open_button = QPushButton("Open folder")
        self.close_button = QPushButton("✕")
        self.close_button.setToolTip("Hide")
        self.close_button.setFlat(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.label, self.bar, self.cancel_button, self.open_button, self.close_button):
            layout.addWidget(w)
        self.cancel_button.clicked.connect(controller.cancel_export)
        self.open_button.clicked.connect(self._on_open_folder_clicked)
        self.close_button.clicked.connect(self.hide)
        controller.exportProgress.connect(self._on_progress)
        controller.exported.connect(self._on_exported)
        controller.exportFailed.connect(self._on_failed)
        controller.exportCancelled.connect(self._on_cancelled)
        controller.exportNote.connect(self._on_note)
        self.hide()

    def started(self, out_path, engine: str) -> None:
        """An export to `out_path` with `engine` has just started."""
        self._engine, self._name, self._result, self._phase = engine, Path(out_path).name, None, ""
        self._note = ""
        self.label.setText(f"Exporting {self._name}: starting…")
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.bar.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.open_button.hide()
        self.close_button.hide()
        self.show()

    def text(self) -> str:
        return self.label.text()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        phase = "keyframes" if message.startswith("keyframe") else "frames and encoding"
        if phase != self._phase:
            self._phase = phase
            self._clock.start()
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(min(done, total))
        text = f"Exporting {self._name}: {phase} {done}/{total}"
        frac, elapsed = done / max(1, total), self._clock.elapsed() / 1000.0
        if 0.02 < frac < 1.0 and elapsed > 1.0:
            text += f", about {fmt_duration(elapsed * (1 - frac) / frac)} left"
        self.label.setText(text)

    def _on_note(self, line: str) -> None:
        """A line the export wants the user to read; kept next to the result when it ends."""
        self._note = line.removeprefix("dreamreel render: ")
        self.setToolTip(self._note)
        self.message.emit(self._note)

    def _ended(self, text: str) -> None:
        if self._note:
            text = f"{text} ({self._note})"
        self.label.setText(text)
        self.bar.hide()
        self.cancel_button.hide()
        self.close_button.show()
        self.message.emit(text)

    def _on_exported(self, path: str, seconds_per_iteration: float) -> None:
        self._result = path
        if seconds_per_iteration > 0 and self._engine:
            QSettings("dreamreel", "dreamreel").setValue(SPI_KEY.format(self._engine), seconds_per_iteration)
        self._ended(f"Exported {path}")
        self.open_button.show()

    def _on_failed(self, message: str) -> None:
        self._ended(f"Export failed: {message}")

    def _on_cancelled(self) -> None:
        self._ended("Export cancelled; keyframes made so far are kept for next time")

    def _on_open_folder_clicked(self) -> None:
        if self._result:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self._result).parent)))
