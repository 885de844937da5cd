"""The Export dialog: choose output and settings, see the estimate, export off the GUI thread.

The export is core's `render_video` (keyframes -> in-betweens -> ffmpeg with the song) run by
the editor's one render runner, `RenderController.start_export` (a worker process for AI
engines, killed at once by Cancel; a thread for the draft), on a snapshot of the project. The
MP4 appears under its final name only when complete (core writes to a temp file and renames).
Settings chosen here apply to this export only; `settings()` returns them for a caller that
wants to keep them in the project.
"""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QSettings, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QSpinBox,
                               QVBoxLayout)

from dreamreel.core.engine import registry
from dreamreel.core.errors import DreamreelError
from dreamreel.core.project import INTERPOLATIONS, RenderSettings, check_render_settings
from dreamreel.editor.background import Background
from dreamreel.core.engine.worker import snapshot
from dreamreel.editor.render.render_controller import RenderController, engine_identity
_SPI_KEY = "export/seconds_per_iteration/{}"  # measured on this machine by the last export


def default_output_path(project) -> Path:
    if project.path is not None:
        return Path(project.path).with_suffix(".mp4")
    videos = Path.home() / "Videos"
    return (videos if videos.is_dir() else Path.home()) / f"{project.title or 'dreamreel'}.mp4"


def _fmt_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class ExportDialog(QDialog):
    """Export the project to an MP4 with its song: settings, estimate, progress with ETA."""

    exported = Signal(str)  # the finished file

    def __init__(self, project, parent=None, *, controller=None):
        super().__init__(parent)
        self.setWindowTitle("Export video")
        self.setMinimumWidth(560)  # room for a real output path
        self._project = project
        # The window's render runner (one at a time); a dialog on its own gets its own.
        self._own_controller = controller is None
        self._controller = controller if controller is not None else RenderController(self)
        self._running = False
        self._phase = ""
        self._phase_clock = QElapsedTimer()
        self._result: str | None = None
        s = project.render

        self._path_edit = QLineEdit(str(default_output_path(project)))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        path_row = QHBoxLayout()
        path_row.addWidget(self._path_edit, 1)
        path_row.addWidget(browse)
        self._width, self._height = self._spin(16, 4096, s.width, 2), self._spin(16, 4096, s.height, 2)
        size_row = QHBoxLayout()
        size_row.addWidget(self._width)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self._height)
        self._fps = self._spin(1, 120, s.fps, 1)
        self._interp = QComboBox()
        self._interp.addItems(list(INTERPOLATIONS))
        self._interp.setCurrentText(s.interpolation)
        self._burn = QCheckBox("Burn the lyrics into the picture")
        self._burn.setChecked(s.burn_lyrics)
        self._engine = QComboBox()
        for name, entry in registry.entries().items():
            self._engine.addItem(entry.label, name)
        self._engine.setCurrentIndex(max(0, self._engine.findData(s.engine)))
        self._estimate = QLabel("Estimating…")
        self._estimate_token = 0
        self._background = Background(self, name="dreamreel-estimate")
        self._estimate.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Output file", path_row)
        form.addRow("Size (pixels)", size_row)
        form.addRow("Frames per second", self._fps)
        form.addRow("In-betweens", self._interp)
        form.addRow("", self._burn)
        form.addRow("Engine", self._engine)
        form.addRow("Estimate", self._estimate)

        self._bar = QProgressBar()
        self._bar.setVisible(False)
        self._status = QLabel()
        self._status.setWordWrap(True)
        self._error = QLabel()
        self._error.setWordWrap(True)
        self._error.setStyleSheet("color: #ff6b6b;")
        self._error.setVisible(False)

        self._buttons = QDialogButtonBox()
        self._export_btn = self._buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self._open_btn = self._buttons.addButton("Open folder", QDialogButtonBox.ButtonRole.ActionRole)
        self._open_btn.setVisible(False)
        self._cancel_btn = self._buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self._export_btn.clicked.connect(self.start_export)
        self._open_btn.clicked.connect(self._on_open_folder_clicked)
        self._cancel_btn.clicked.connect(self._on_cancel_clicked)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self._bar)
        layout.addWidget(self._status)
        layout.addWidget(self._error)
        layout.addWidget(self._buttons)

        for w in (self._width, self._height, self._fps):
            w.valueChanged.connect(self._on_settings_changed)
        self._engine.currentIndexChanged.connect(self._on_settings_changed)
        self._on_settings_changed()

    @staticmethod
    def _spin(lo: int, hi: int, value: int, step: int) -> QSpinBox:
        box = QSpinBox()
        box.setKeyboardTracking(False)  # estimate when a value is done, not at every keystroke
        box.setRange(lo, hi)
        box.setSingleStep(step)
        box.setValue(value)
        return box

    # --- settings and estimate -------------------------------------------------------------

    def output_path(self) -> Path:
        return Path(self._path_edit.text().strip()).expanduser()

    def engine_name(self) -> str:
        return self._engine.currentData()

    def settings(self) -> RenderSettings:
        """The project's render settings with this dialog's choices applied."""
        s = copy.deepcopy(self._project.render)
        s.width, s.height, s.fps = self._width.value(), self._height.value(), self._fps.value()
        s.keyframes_per_second = min(s.keyframes_per_second, s.fps)
        s.interpolation, s.burn_lyrics = self._interp.currentText(), self._burn.isChecked()
        s.engine = self.engine_name()
        return s

    def _snapshot(self):
        snap = snapshot(self._project)
        snap.render = self.settings()
        return snap

    def _cache_dir(self) -> Path:
        return self._controller.cache_dir(self._project)

    def _on_settings_changed(self, *_) -> None:
        """Estimate again, off the GUI thread: planning hashes every keyframe, may import the
        engine and may load the song's analysis. Only the newest request's answer is shown."""
        problem = check_render_settings(self.settings())
        if problem:
            self._estimate_token += 1
            self._estimate.setText(f"Cannot export: {problem}")
            return
        self._estimate_token += 1
        token, engine = self._estimate_token, self.engine_name()
        spi = QSettings("dreamreel", "dreamreel").value(_SPI_KEY.format(engine), 0.0, type=float)
        self._background.submit(estimate_text, self._snapshot(), engine, self._cache_dir(), spi,
                                on_done=lambda text: self._on_estimate_ready(token, text),
                                on_error=lambda e: self._on_estimate_ready(token, f"Cannot estimate: {e}"))

    def _on_estimate_ready(self, token: int, text: str) -> None:
        if token == self._estimate_token:
            self._estimate.setText(text)

    def estimate_pending(self) -> bool:
        """True while an estimate is being worked out (for tests)."""
        return self._background.busy()

    # --- running ---------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self._running

    def start_export(self) -> None:
        """Start exporting with the current choices (the Export button)."""
        if self._running:
            return
        self._error.setVisible(False)
        out = self.output_path()
        problem = check_render_settings(self.settings())
        if problem:
            return self._show_error(f"Cannot export: {problem}.")
        if not out.name or out.suffix.lower() != ".mp4":
            return self._show_error("Choose an output file ending in .mp4.")
        if not out.parent.is_dir():
            return self._show_error(f"The folder {out.parent} does not exist; choose another place.")
        rc = self._controller
        if not rc.start_export(self._project, out, settings=self.settings(), burn_lyrics=self._burn.isChecked()):
            return self._show_error("A render is running in the main window; cancel it or wait for it, then export.")
        self._result = None
        rc.exportProgress.connect(self._on_progress_changed)
        rc.exported.connect(self._on_export_succeeded)
        rc.exportFailed.connect(self._on_export_failed)
        rc.exportCancelled.connect(self._on_export_cancelled)
        self._running = True
        self._set_running(True)
        self._status.setText("Starting…")

    def _set_running(self, running: bool) -> None:
        for w in (self._path_edit, self._width, self._height, self._fps, self._interp, self._burn, self._engine,
                  self._export_btn):
            w.setEnabled(not running)
        self._bar.setVisible(running or self._bar.value() > 0)
        self._cancel_btn.setText("Cancel" if running else "Close")
        if running:
            self._open_btn.setVisible(False)
            self._bar.setRange(0, 0)  # busy until the first progress report
            self._phase = ""

    def _on_progress_changed(self, done: int, total: int, message: str) -> None:
        phase = "Rendering keyframes" if message.startswith("keyframe") else "Making frames and encoding"
        if phase != self._phase:
            self._phase = phase
            self._phase_clock.start()
        self._bar.setRange(0, max(1, total))
        self._bar.setValue(min(done, total))
        text = f"{phase}: {done}/{total}"
        frac, elapsed = done / max(1, total), self._phase_clock.elapsed() / 1000.0
        if 0.02 < frac < 1.0 and elapsed > 1.0:
            text += f" — about {_fmt_duration(elapsed * (1 - frac) / frac)} left"
        self._status.setText(text)

    def _disconnect(self) -> None:
        rc = self._controller
        for signal, slot in ((rc.exportProgress, self._on_progress_changed), (rc.exported, self._on_export_succeeded),
                             (rc.exportFailed, self._on_export_failed), (rc.exportCancelled, self._on_export_cancelled)):
            signal.disconnect(slot)

    def _on_export_succeeded(self, path: str, seconds_per_iteration: float) -> None:
        self._on_job_finished()
        self._result = path
        if seconds_per_iteration > 0:
            QSettings("dreamreel", "dreamreel").setValue(_SPI_KEY.format(self.engine_name()), seconds_per_iteration)
        self._bar.setRange(0, 1)
        self._bar.setValue(1)
        self._status.setText(f"Done: {path}")
        self._open_btn.setVisible(True)
        self.exported.emit(path)

    def _on_export_failed(self, message: str) -> None:
        self._on_job_finished()
        self._show_error(f"Export failed: {message}")
        self._status.setText("")

    def _on_export_cancelled(self) -> None:
        self._on_job_finished()
        self._status.setText("Cancelled. Keyframes rendered so far are kept for next time.")

    def _on_job_finished(self) -> None:
        if self._running:
            self._running = False
            self._disconnect()
            self._set_running(False)

    def _show_error(self, message: str) -> None:
        self._error.setText(message)
        self._error.setVisible(True)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export video", str(self.output_path()), "MP4 video (*.mp4)")
        if path:
            self._path_edit.setText(path if path.lower().endswith(".mp4") else path + ".mp4")

    def _on_open_folder_clicked(self) -> None:
        if self._result:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self._result).parent)))

    def _on_cancel_clicked(self) -> None:
        if self._running:
            self._controller.cancel_export()
            self._status.setText("Cancelling…")
        else:
            self.reject()

    def done(self, result: int) -> None:
        """Closing (Esc, window close, Close) while exporting cancels and waits for the job."""
        if self._running:
            self._controller.cancel_export()
            self._on_job_finished()
        if self._own_controller:
            self._controller.shutdown()
        self._background.shutdown(wait=False)  # an estimate still running is not wanted any more
        super().done(result)


def estimate_text(snapshot, engine: str, cache_dir: Path, seconds_per_iteration: float) -> str:
    """What exporting `snapshot` with `engine` will take, in one or two sentences (Qt-free;
    runs in a worker: the registry may hash weights and look for model files).
    `seconds_per_iteration`: measured by the last export with this engine (0 = none)."""
    from dreamreel.core.engine.cache import KeyframeCache
    from dreamreel.core.engine.render import plan_render

    entry = registry.get(engine)
    missing = entry.missing(snapshot.render)
    if missing:
        return (f"Cannot export with {entry.label} yet: {missing[0]}. "
                f"Or choose {registry.get(registry.DEFAULT_ENGINE).label}.")
    identity = engine_identity(snapshot, engine) or {"engine": engine, "unknown": "weights not hashed yet"}
    try:
        plan = plan_render(snapshot, identity, KeyframeCache(cache_dir))
    except DreamreelError as e:
        return f"Cannot export: {e}"
    frames = f"{plan.n_frames} frames ({_fmt_duration(plan.n_frames / plan.fps)} of video)"
    work = f"{len(plan.todo)} of {len(plan.needed)} keyframes to make ({plan.iterations_todo} iterations), {frames}"
    spi = seconds_per_iteration or entry.seconds_per_iteration(snapshot.render)
    if spi:
        source = "at the speed of the last export" if seconds_per_iteration else "(the engine's estimate)"
        return f"{work}: about {_fmt_duration(plan.iterations_todo * spi)} of keyframes {source}, then encoding."
    return f"{work}. The time is measured once rendering starts (a GPU is strongly advised)."
