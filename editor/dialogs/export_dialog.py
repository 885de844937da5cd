"""The Export dialog: it only collects the choices and shows the estimate; the export runs in
the main window (issue 13: non-modal export).

Choices: output file, range (all / selection / in–out times), size preset (as project, 720p,
1080p, custom) and quality, frames per second, in-betweens, engine, burned lyrics. The estimate
(keyframes to make, frames, time) is worked out off the GUI thread and shown in full, word-
wrapped. Export emits `exportRequested(ExportRequest)`; the window hands it to the one render
runner (`RenderController.start_export`, which snapshots the project: later edits do not reach
the export) and shows its progress in the status bar (`editor/render/export_progress.py`).
Settings chosen here apply to this export only.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from shiboken6 import isValid
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLayout, QLineEdit, QPushButton, QSizePolicy,
                               QSpinBox, QVBoxLayout)

from dreamreel.core.engine import registry
from dreamreel.core.engine.worker import snapshot
from dreamreel.core.errors import DreamreelError
from dreamreel.core.project import INTERPOLATIONS, RenderSettings, check_render_settings
from dreamreel.editor.background import Background
from dreamreel.editor.render.export_progress import SPI_KEY, fmt_duration
from dreamreel.editor.render.render_controller import engine_identity
from dreamreel.editor.render.render_jobs import cache_dir_for

QUALITIES = {"Standard": 18, "High": 14, "Small file": 26}  # label -> H.264 CRF (lower: better, bigger)
SIZES = ("As project", "720p", "1080p", "Custom")
RANGES = ("Whole song", "Selection", "In–out")


@dataclass(frozen=True)
class ExportRequest:
    """What the user chose: everything `RenderController.start_export` needs."""

    out_path: Path
    settings: RenderSettings
    t_range: tuple[float, float] | None  # seconds; None = the whole song
    burn_lyrics: bool
    crf: int


def default_output_path(project) -> Path:
    if project.path is not None:
        return Path(project.path).with_suffix(".mp4")
    videos = Path.home() / "Videos"
    return (videos if videos.is_dir() else Path.home()) / f"{project.title or 'dreamreel'}.mp4"


def preset_size(width: int, height: int, preset: str) -> tuple[int, int]:
    """(width, height) of a size preset for a project of `width`x`height`: "720p"/"1080p" set
    the short side and keep the aspect ratio (even numbers, as H.264 needs)."""
    short = {"720p": 720, "1080p": 1080}.get(preset)
    if short is None:
        return width, height

    def even(x: float) -> int:
        return max(2, int(round(x / 2)) * 2)

    if width >= height:
        return even(short * width / height), short
    return short, even(short * height / width)


class ExportDialog(QDialog):
    """Collects the export's choices and shows the estimate; Export emits `exportRequested`."""

    exportRequested = Signal(object)  # ExportRequest

    def __init__(self, project, parent=None, *, controller=None, selection: tuple[int, int] | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export video")
        self.setMinimumWidth(560)  # room for a real output path
        self._project = project
        self._controller = controller  # optional RenderController: its cache folder
        self._selection = selection  # (start_ms, end_ms) of the window's selection, or None
        s = project.render
        duration_s = (project.duration_ms or max((b.end_ms for b in project.blocks), default=0)) / 1000.0

        self._path_edit = QLineEdit(str(default_output_path(project)))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        path_row = QHBoxLayout()
        path_row.addWidget(self._path_edit, 1)
        path_row.addWidget(browse)

        self._range = QComboBox()
        self._range.addItems(list(RANGES))
        if selection is None:
            self._range.model().item(1).setEnabled(False)
        lo, hi = ((selection[0] / 1000.0, selection[1] / 1000.0) if selection else (0.0, duration_s))
        self._t0, self._t1 = self._time_spin(lo, duration_s), self._time_spin(hi, duration_s)
        range_row = QHBoxLayout()
        range_row.addWidget(self._range)
        range_row.addWidget(QLabel("from"))
        range_row.addWidget(self._t0)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self._t1)

        self._size = QComboBox()
        for name in SIZES:
            w, h = preset_size(s.width, s.height, name)
            self._size.addItem(name if name == "Custom" else f"{name} ({w}×{h})", name)
        self._width, self._height = self._spin(16, 4096, s.width, 2), self._spin(16, 4096, s.height, 2)
        size_row = QHBoxLayout()
        size_row.addWidget(self._size)
        size_row.addWidget(self._width)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self._height)
        self._quality = QComboBox()
        for label, crf in QUALITIES.items():
            self._quality.addItem(f"{label} (CRF {crf})", crf)
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

        form = QFormLayout()
        form.addRow("Output file", path_row)
        form.addRow("Range", range_row)
        form.addRow("Size (pixels)", size_row)
        form.addRow("Quality", self._quality)
        form.addRow("Frames per second", self._fps)
        form.addRow("In-betweens", self._interp)
        form.addRow("", self._burn)
        form.addRow("Engine", self._engine)

        # The estimate under the form, across the whole width, every line of it shown: the
        # dialog grows with it (the layout's minimum size follows the wrapped text).
        self._estimate = QLabel("Estimating…")
        self._estimate.setWordWrap(True)
        self._estimate.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.MinimumExpanding)
        self._estimate_token = 0
        self._open = True  # False once closed: a late estimate is dropped, not shown
        self._background = _estimator()
        self._error = QLabel()
        self._error.setWordWrap(True)
        self._error.setStyleSheet("color: #ff6b6b;")
        self._error.setVisible(False)

        self._buttons = QDialogButtonBox()
        self._export_btn = self._buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self._cancel_btn = self._buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self._export_btn.clicked.connect(self.request_export)
        self._cancel_btn.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SetMinimumSize)
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>Estimate</b>"))
        layout.addWidget(self._estimate)
        layout.addWidget(self._error)
        layout.addWidget(self._buttons)

        if selection is not None:
            self._range.setCurrentIndex(1)
        self._on_range_changed()
        self._on_size_changed()
        self._range.currentIndexChanged.connect(self._on_range_changed)
        self._size.currentIndexChanged.connect(self._on_size_changed)
        for w in (self._width, self._height, self._fps, self._t0, self._t1):
            w.valueChanged.connect(self._on_settings_changed)
        self._engine.currentIndexChanged.connect(self._on_settings_changed)
        self._interp.currentIndexChanged.connect(self._on_settings_changed)
        self._on_settings_changed()

    @staticmethod
    def _spin(lo: int, hi: int, value: int, step: int) -> QSpinBox:
        box = QSpinBox()
        box.setKeyboardTracking(False)  # estimate when a value is done, not at every keystroke
        box.setRange(lo, hi)
        box.setSingleStep(step)
        box.setValue(value)
        return box

    @staticmethod
    def _time_spin(value: float, duration_s: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setKeyboardTracking(False)
        box.setDecimals(2)
        box.setSuffix(" s")
        box.setRange(0.0, max(duration_s, value, 0.01))
        box.setValue(value)
        return box

    # --- choices ---------------------------------------------------------------------------

    def output_path(self) -> Path:
        return Path(self._path_edit.text().strip()).expanduser()

    def engine_name(self) -> str:
        return self._engine.currentData()

    def set_range(self, choice: str) -> None:
        """"Whole song", "Selection" or "In–out"."""
        self._range.setCurrentIndex(RANGES.index(choice))

    def set_size(self, preset: str) -> None:
        """"As project", "720p", "1080p" or "Custom"."""
        self._size.setCurrentIndex(self._size.findData(preset))

    def t_range(self) -> tuple[float, float] | None:
        """The chosen range in seconds (None: the whole song)."""
        choice = self._range.currentText()
        if choice == "Selection" and self._selection is not None:
            return self._selection[0] / 1000.0, self._selection[1] / 1000.0
        if choice == "In–out":
            return self._t0.value(), self._t1.value()
        return None

    def settings(self) -> RenderSettings:
        """The project's render settings with this dialog's choices applied."""
        s = copy.deepcopy(self._project.render)
        s.width, s.height, s.fps = self._width.value(), self._height.value(), self._fps.value()
        s.keyframes_per_second = min(s.keyframes_per_second, s.fps)
        s.interpolation, s.burn_lyrics = self._interp.currentText(), self._burn.isChecked()
        s.engine = self.engine_name()
        return s

    def request(self) -> ExportRequest:
        return ExportRequest(self.output_path(), self.settings(), self.t_range(), self._burn.isChecked(),
                             int(self._quality.currentData()))

    def _on_range_changed(self, *_) -> None:
        in_out = self._range.currentText() == "In–out"
        self._t0.setEnabled(in_out)
        self._t1.setEnabled(in_out)
        self._on_settings_changed()

    def _on_size_changed(self, *_) -> None:
        preset = self._size.currentData()
        custom = preset == "Custom"
        if not custom:
            w, h = preset_size(self._project.render.width, self._project.render.height, preset)
            for box, value in ((self._width, w), (self._height, h)):
                box.blockSignals(True)
                box.setValue(value)
                box.blockSignals(False)
        self._width.setEnabled(custom)
        self._height.setEnabled(custom)
        self._on_settings_changed()

    # --- estimate --------------------------------------------------------------------------

    def _cache_dir(self) -> Path:
        return self._controller.cache_dir(self._project) if self._controller else cache_dir_for(self._project)

    def _problem(self) -> str | None:
        problem = check_render_settings(self.settings())
        if problem:
            return f"Cannot export: {problem}."
        rng = self.t_range()
        if rng is not None and rng[1] <= rng[0]:
            return f"Cannot export: the range {rng[0]:.2f}–{rng[1]:.2f} s is empty; its end must come after its start."
        return None

    def _on_settings_changed(self, *_) -> None:
        """Estimate again, off the GUI thread: planning hashes every keyframe, may import the
        engine and may load the song's analysis. Only the newest request's answer is shown."""
        if not hasattr(self, "_background") or not self._open:
            return  # still building the form, or closed
        self._estimate_token += 1
        problem = self._problem()
        if problem:
            self._estimate.setText(problem)
            return
        token, engine = self._estimate_token, self.engine_name()
        snap = snapshot(self._project)
        snap.render = self.settings()
        spi = QSettings("dreamreel", "dreamreel").value(SPI_KEY.format(engine), 0.0, type=float)
        self._pending = token
        self._background.submit(estimate_text, snap, engine, self._cache_dir(), spi, self.t_range(),
                                on_done=lambda text: self._on_estimate_ready(token, text),
                                on_error=lambda e: self._on_estimate_ready(token, f"Cannot estimate: {e}"))

    def _on_estimate_ready(self, token: int, text: str) -> None:
        # (a plain attribute first: the dialog may be gone when an estimate comes in late)
        if self._open and isValid(self) and token == self._estimate_token:
            self._pending = 0
            self._estimate.setText(text)

    def estimate_pending(self) -> bool:
        """True while the newest estimate is being worked out (for tests)."""
        return bool(getattr(self, "_pending", 0)) and self._pending == self._estimate_token

    def estimate(self) -> str:
        return self._estimate.text()

    # --- export ----------------------------------------------------------------------------

    def request_export(self) -> None:
        """The Export button: check the choices, then `exportRequested`. The window starts the
        export and closes the dialog, or calls `show_error` (e.g. a render is running)."""
        self._error.setVisible(False)
        out = self.output_path()
        problem = self._problem()
        if problem:
            return self.show_error(problem)
        if not out.name or out.suffix.lower() != ".mp4":
            return self.show_error("Choose an output file ending in .mp4.")
        if not out.parent.is_dir():
            return self.show_error(f"The folder {out.parent} does not exist; choose another place.")
        if out.is_dir():
            return self.show_error(f"{out} is a folder; choose a file name ending in .mp4.")
        self.exportRequested.emit(self.request())

    def show_error(self, message: str) -> None:
        self._error.setText(message)
        self._error.setVisible(True)

    def error(self) -> str:
        return self._error.text() if not self._error.isHidden() else ""

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export video", str(self.output_path()), "MP4 video (*.mp4)")
        if path:
            self._path_edit.setText(path if path.lower().endswith(".mp4") else path + ".mp4")

    def done(self, result: int) -> None:
        self._open = False  # an estimate still running is not wanted any more
        super().done(result)

    def closeEvent(self, event) -> None:
        self._open = False
        super().closeEvent(event)


_ESTIMATOR: list = []


def _estimator() -> Background:
    """The estimates' worker, shared by every Export dialog and living as long as the app: a
    dialog closed (and deleted) while its estimate runs never has the result delivered to a
    deleted object; the dialog drops it (`_open`)."""
    from PySide6.QtWidgets import QApplication

    if not _ESTIMATOR:
        _ESTIMATOR.append(Background(QApplication.instance(), name="dreamreel-estimate"))
    return _ESTIMATOR[0]


def estimate_text(snapshot, engine: str, cache_dir: Path, seconds_per_iteration: float,
                  t_range: tuple[float, float] | None = None) -> str:
    """What exporting `snapshot` (range `t_range` seconds, None = all) with `engine` will take,
    in a few sentences (Qt-free; runs in a worker: the registry may hash weights and look for
    model files). `seconds_per_iteration`: measured by the last export with this engine (0 = none)."""
    from dreamreel.core.engine.cache import KeyframeCache
    from dreamreel.core.engine.render import plan_render

    entry = registry.get(engine)
    missing = entry.missing(snapshot.render)
    if missing:
        return (f"Cannot export with {entry.label} yet: {missing[0]}. "
                f"Or choose {registry.get(registry.DEFAULT_ENGINE).label}.")
    identity = engine_identity(snapshot, engine) or {"engine": engine, "unknown": "weights not hashed yet"}
    try:
        plan = plan_render(snapshot, identity, KeyframeCache(cache_dir), t_range=t_range)
    except DreamreelError as e:
        return f"Cannot export: {e}"
    s = snapshot.render
    start, end = plan.first_frame / plan.fps, plan.end_frame / plan.fps
    frames = (f"{plan.n_frames} frames at {s.width}×{s.height}, {s.fps} fps "
              f"({fmt_duration(plan.n_frames / plan.fps)} of video, {start:.2f}–{end:.2f} s of the song)")
    work = (f"{entry.label}: {len(plan.todo)} of {len(plan.needed)} keyframes to make "
            f"({plan.iterations_todo} iterations; the others are in the cache), then {frames}")
    spi = seconds_per_iteration or entry.seconds_per_iteration(snapshot.render)
    if spi:
        source = "at the speed of the last export" if seconds_per_iteration else "(the engine's estimate)"
        return f"{work}. Keyframes: about {fmt_duration(plan.iterations_todo * spi)} {source}, then encoding."
    return f"{work}. The time is measured once rendering starts (a GPU is strongly advised)."
