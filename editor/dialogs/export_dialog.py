"""The Export dialog: choose output and settings, see the estimate, export off the GUI thread.

The export is core's `render_video` (keyframes -> in-betweens -> ffmpeg with the song) running
in an `ExportJob` QThread on a snapshot of the project, with progress and cancel hooks. The
MP4 appears under its final name only when complete (core writes to a temp file and renames).
Settings chosen here apply to this export only; `settings()` returns them for a caller that
wants to keep them in the project.
"""

from __future__ import annotations

import copy
import threading
import time
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QSettings, QThread, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QSpinBox,
                               QVBoxLayout)

from dreamreel.core.engine import registry
from dreamreel.core.errors import Cancelled, DreamreelError
from dreamreel.core.project import INTERPOLATIONS, RenderSettings, check_render_settings
from dreamreel.editor.background import Background
from dreamreel.editor.render.render_controller import cache_dir_for, engine_identity
from dreamreel.editor.render.render_worker import snapshot
_SPI_KEY = "export/seconds_per_iteration/{}"  # measured on this machine by the last export


class ExportJob(QThread):
    """Runs `render_video` in a worker thread; hands back plain values through signals."""

    progressed = Signal(int, int, str)
    succeeded = Signal(str, float)  # output path, seconds per iteration measured (0 = none)
    failed = Signal(str)
    cancelled = Signal()
    warned = Signal(str)  # one line the user should see (RIFE weights missing: blends instead)

    def __init__(self, project, engine_name: str, cache_dir: Path, out_path: Path, burn: bool, parent=None):
        super().__init__(parent)
        self._args = (project, engine_name, cache_dir, out_path, burn)
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    def run(self) -> None:  # worker thread: no widgets here
        from dreamreel.core.engine.cache import KeyframeCache
        from dreamreel.core.engine.render import render_video

        project, engine_name, cache_dir, out_path, burn = self._args
        last, iters = [0.0], {"n": 0, "t0": None, "t1": None}

        def progress(done: int, total: int, message: str) -> None:
            now = time.monotonic()
            if message.startswith("keyframe"):
                iters["t0"] = iters["t0"] or now
                iters["n"], iters["t1"] = done, now
            if now - last[0] >= 0.05 or done >= total:
                last[0] = now
                self.progressed.emit(int(done), int(total), message)

        try:
            from dataclasses import replace

            from dreamreel.core.engine.interpolate import settle_interpolation

            mode = settle_interpolation(project.render, warn=self.warned.emit)  # else only on stderr
            project = replace(project, render=replace(project.render, interpolation=mode))
            engine = registry.get(engine_name).load(project.render)
            render_video(project, engine, KeyframeCache(cache_dir), out_path, burn_lyrics=burn,
                         progress=progress, cancel=self._stop.is_set)
        except Cancelled:
            self.cancelled.emit()
        except DreamreelError as e:
            self.failed.emit(str(e))
        except OSError as e:
            self.failed.emit(f"cannot write {e.filename or out_path}: {e.strerror or e}")
        except Exception as e:  # noqa: BLE001 - shown in the dialog instead of a crash
            self.failed.emit(f"export failed: {type(e).__name__}: {e}")
        else:
            spi = (iters["t1"] - iters["t0"]) / iters["n"] if iters["n"] > 10 and iters["t0"] else 0.0
            self.succeeded.emit(str(out_path), spi)


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
        self._controller = controller  # optional RenderController: its cache and engine ids
        self._job: ExportJob | None = None
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
        self._note = QLabel()  # the job's warnings (RIFE weights missing)
        self._note.setWordWrap(True)
        self._note.setVisible(False)

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
        layout.addWidget(self._note)
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
        return self._controller.cache_dir(self._project) if self._controller else cache_dir_for(self._project)

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
        return self._job is not None

    def start_export(self) -> None:
        """Start exporting with the current choices (the Export button)."""
        if self._job is not None:
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
        if self._controller is not None and not self._controller.begin_export():
            return self._show_error("A render is running in the main window; cancel it or wait for it, then export.")
        self._result = None
        self._job = ExportJob(self._snapshot(), self.engine_name(), self._cache_dir(), out,
                              self._burn.isChecked(), self)
        self._job.progressed.connect(self._on_progress_changed)
        self._job.succeeded.connect(self._on_export_succeeded)
        self._job.failed.connect(self._on_export_failed)
        self._job.cancelled.connect(self._on_export_cancelled)
        self._note.setVisible(False)
        self._job.warned.connect(self._on_job_warned)  # a slot: queued to the GUI thread
        self._job.finished.connect(self._on_job_finished)
        self._set_running(True)
        self._status.setText("Starting…")
        self._job.start()

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

    def _on_export_succeeded(self, path: str, seconds_per_iteration: float) -> None:
        self._result = path
        if seconds_per_iteration > 0:
            QSettings("dreamreel", "dreamreel").setValue(_SPI_KEY.format(self.engine_name()), seconds_per_iteration)
        self._bar.setRange(0, 1)
        self._bar.setValue(1)
        self._status.setText(f"Done: {path}")
        self._open_btn.setVisible(True)
        self.exported.emit(path)

    def _on_job_warned(self, message: str) -> None:
        self._note.setText(message.removeprefix("dreamreel render: "))
        self._note.setVisible(True)

    def _on_export_failed(self, message: str) -> None:
        self._show_error(f"Export failed: {message}")
        self._status.setText("")

    def _on_export_cancelled(self) -> None:
        self._status.setText("Cancelled. Keyframes rendered so far are kept for next time.")

    def _on_job_finished(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.wait()  # `finished` comes just before the thread really ends: let it end first
            job.deleteLater()
        self._set_running(False)
        if self._controller is not None:
            self._controller.end_export()  # renders may start again; the export filled the cache

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
        if self._job is not None:
            self._job.cancel()
            self._status.setText("Cancelling…")
        else:
            self.reject()

    def done(self, result: int) -> None:
        """Closing (Esc, window close, Close) while exporting cancels and waits for the job."""
        if self._job is not None:
            self._job.cancel()
            self._job.wait()
            if self._controller is not None:
                self._controller.end_export()
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
