"""Project settings: style and negative prompts, the settings every engine shares (size, rates,
seed, continuity, music drives, engine, device), and the chosen engine's own settings as a form
built from its registry entry (labels, ranges, help as tooltips). Edits go through SetStyle and
SetRenderSettings; the panel re-reads the project whenever it changes.

Below the form, what the engine is missing (its entry's `missing()`, worked out off the GUI
thread: it may import the engine's libraries) and, when a missing file has a download name,
Download… fetches it in `ModelDownloadDialog` (core's `download_preset`, the same code as
`dreamreel models download NAME`); the state refreshes when it finishes.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from dreamreel.core.commands import SetRenderSettings, SetStyle
from dreamreel.core.engine import registry
from dreamreel.core.project import CONTINUITY_MODES, DEVICES, INTERPOLATIONS, Style
from dreamreel.editor.background import Background
from dreamreel.core.engine.prompts import format_prompts, parse_style_prompts
from dreamreel.core.errors import DreamreelError

# (attribute on RenderSettings or "music.<attr>", label, kind, range): what every engine shares
NUMBERS = [
    ("width", "Width", int, (16, 4096, 16)),
    ("height", "Height", int, (16, 4096, 16)),
    ("fps", "Frames per second", int, (1, 120, 1)),
    ("keyframes_per_second", "Keyframes per second", float, (0.1, 60.0, 0.5)),
    ("seed", "Seed", int, (0, 2**31 - 1, 1)),
    ("music.effort", "Beat-following effort", float, (0.0, 1.0, 0.05)),
    ("music.pacing", "Percussive pacing", float, (0.0, 1.0, 0.05)),
    ("music.pulse", "Pulse on beats", float, (0.0, 1.0, 0.05)),
    ("music.clusters", "Sound clusters (k, 0 = off)", int, (0, 64, 1)),
    ("music.cluster_strength", "Cluster strength", float, (0.0, 1.0, 0.05)),
]
CHOICES = [
    ("continuity", "Continuity", CONTINUITY_MODES),
    ("interpolation", "Interpolation", INTERPOLATIONS),
    ("device", "Device", DEVICES),
]
_INT_MAX = 2**31 - 1


def _get(settings, attr: str):
    obj = settings.music if attr.startswith("music.") else settings
    return getattr(obj, attr.split(".")[-1])


def _set(settings, attr: str, value) -> None:
    obj = settings.music if attr.startswith("music.") else settings
    setattr(obj, attr.split(".")[-1], value)


def setting_widget(info) -> QWidget:
    """A form widget for one engine setting (`registry.SettingInfo`), help as its tooltip."""
    if info.type is bool:
        w = QCheckBox()
    elif info.choices is not None:
        w = QComboBox()
        for c in info.choices:
            w.addItem(str(c), c)
    elif info.type in (int, float):
        w = QSpinBox() if info.type is int else QDoubleSpinBox()
        lo = info.lo if info.lo is not None else (-_INT_MAX if info.type is int else -1e9)
        hi = info.hi if info.hi is not None else (_INT_MAX if info.type is int else 1e9)
        if info.type is float:
            w.setDecimals(4)
        w.setRange(info.type(lo), info.type(min(hi, _INT_MAX)))
        if info.step:
            w.setSingleStep(info.step)
        w.setKeyboardTracking(False)
    elif info.suggestions:
        w = QComboBox()
        w.setEditable(True)
        for c in info.suggestions:
            w.addItem(str(c), c)
    else:
        w = QLineEdit()
    w.setToolTip(info.help)
    return _narrow(w)


def _narrow(w: QWidget) -> QWidget:
    """Combos as narrow as a dozen characters (the popup still shows whole entries): a long
    entry never widens the panel past its dock."""
    if isinstance(w, QComboBox):
        w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        w.setMinimumContentsLength(12)
    return w


def _form() -> QFormLayout:
    """A form whose long rows wrap (the field under its label) instead of scrolling sideways."""
    form = QFormLayout()
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def widget_value(w: QWidget):
    if isinstance(w, QCheckBox):
        return w.isChecked()
    if isinstance(w, QComboBox):
        return w.currentText() if w.isEditable() else w.currentData()
    if isinstance(w, QLineEdit):
        return w.text()
    return w.value()


def set_widget_value(w: QWidget, value) -> None:
    if isinstance(w, QCheckBox):
        w.setChecked(bool(value))
    elif isinstance(w, QComboBox):
        if w.isEditable():
            w.setEditText(str(value))
        else:
            w.setCurrentIndex(max(0, w.findData(value)))
    elif isinstance(w, QLineEdit):
        w.setText(str(value))
    else:
        w.setValue(value)


def _connect(w: QWidget, slot) -> None:
    if isinstance(w, QCheckBox):
        w.toggled.connect(slot)
    elif isinstance(w, QComboBox):
        (w.lineEdit().editingFinished if w.isEditable() else w.currentIndexChanged).connect(slot)
        if w.isEditable():
            w.activated.connect(slot)
    elif isinstance(w, QLineEdit):
        w.editingFinished.connect(slot)
    else:
        w.valueChanged.connect(slot)


def missing_of(render) -> list:
    """What the chosen engine is missing (runs in a worker: may import its libraries)."""
    return registry.get(render.engine).missing(render)


class SettingsPanel(QWidget):
    """Project-wide style and render settings, edited through core commands."""

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self._updating = True  # filling the widgets below must not issue commands
        self.download_dialog = None
        self._download_name = ""
        self._missing_token = 0
        self._background = Background(self, name="dreamreel-missing")
        self.phrases = QLineEdit()
        self.phrases.setPlaceholderText("oil painting:1 | dark:0.6")
        self.negatives = QLineEdit()
        self.negatives.setPlaceholderText("text, watermark:0.5")
        self.phrases.editingFinished.connect(self._on_style_edited)
        self.negatives.editingFinished.connect(self._on_style_edited)

        form = _form()
        form.addRow("Style phrases", self.phrases)
        form.addRow("Negative prompts", self.negatives)
        self.widgets: dict[str, QWidget] = {}
        for attr, label, kind, (lo, hi, step) in NUMBERS:
            box = QSpinBox() if kind is int else QDoubleSpinBox()
            box.setRange(lo, hi)
            box.setSingleStep(step)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self._on_render_edited)
            form.addRow(label, box)
            self.widgets[attr] = box
        for attr, label, values in CHOICES:
            combo = QComboBox()
            for v in values:
                combo.addItem(v, v)
            combo.currentIndexChanged.connect(self._on_render_edited)
            form.addRow(label, _narrow(combo))
            self.widgets[attr] = combo
        engine = QComboBox()
        for name, entry in registry.entries().items():
            engine.addItem(entry.label, name)
            engine.setItemData(engine.count() - 1, entry.description, 3)  # Qt.ToolTipRole
        engine.currentIndexChanged.connect(self._on_render_edited)
        form.addRow("Engine", _narrow(engine))
        self.widgets["engine"] = engine
        self.burn = QCheckBox("Burn lyrics into the video")
        self.burn.toggled.connect(self._on_render_edited)
        form.addRow("", self.burn)

        # The chosen engine's own settings, rebuilt when the engine changes.
        self.engine_form = _form()
        self.engine_widgets: dict[str, QWidget] = {}
        self._form_engine: str | None = None
        self.model_state = QLabel()
        self.model_state.setWordWrap(True)
        self.download = QPushButton("Download…")
        self.download.clicked.connect(self._on_download_clicked)
        row = QHBoxLayout()
        row.addWidget(self.model_state, 1)
        row.addWidget(self.download)

        inner = QWidget()
        outer = QVBoxLayout(inner)
        outer.addLayout(form)
        self.engine_title = QLabel()
        self.engine_title.setWordWrap(True)
        outer.addWidget(self.engine_title)
        outer.addLayout(self.engine_form)
        outer.addLayout(row)
        outer.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # rows wrap instead
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        document.changed.connect(self._on_model_changed)
        self._on_model_changed()

    # --- the engine's form ------------------------------------------------------------------

    def _build_engine_form(self, name: str) -> None:
        while self.engine_form.rowCount():
            self.engine_form.removeRow(0)
        self.engine_widgets = {}
        entry = registry.get(name)
        self.engine_title.setText(f"<b>{entry.label}</b>")
        for info in entry.settings_info():
            if info.advanced:
                continue
            w = setting_widget(info)
            _connect(w, self._on_render_edited)
            self.engine_form.addRow(info.label, w)
            self.engine_widgets[info.name] = w
        self._form_engine = name

    def _on_model_changed(self, change=None):
        if change is not None and change.kind not in ("style", "render", "all"):
            return
        project = self.document.project
        r = project.render
        self._updating = True
        try:
            self.phrases.setText(format_prompts(project.style.phrases))
            self.negatives.setText(format_prompts(project.style.negatives))
            for attr, widget in self.widgets.items():
                if isinstance(widget, QComboBox):
                    widget.setCurrentIndex(max(0, widget.findData(_get(r, attr))))
                else:
                    widget.setValue(_get(r, attr))
            self.burn.setChecked(r.burn_lyrics)
            if r.engine != self._form_engine:
                self._build_engine_form(r.engine)
            own = r.engine_settings()
            for name, w in self.engine_widgets.items():
                set_widget_value(w, getattr(own, name))
        finally:
            self._updating = False
        self.refresh_missing()

    # --- what the engine is missing ---------------------------------------------------------

    def refresh_missing(self) -> None:
        """Work out (off the GUI thread) what the chosen engine is missing; shown when in."""
        self._missing_token += 1
        token = self._missing_token
        self.model_state.setText("Checking the model files…")
        self.download.setEnabled(False)
        self._background.submit(missing_of, copy.deepcopy(self.document.project.render),
                                on_done=lambda missing: self._on_missing_ready(token, missing),
                                on_error=lambda e: self._on_missing_ready(token, [str(e)]))

    def missing_pending(self) -> bool:
        """True while the missing files are being worked out (for tests)."""
        return self._background.busy()

    def _on_missing_ready(self, token: int, missing: list) -> None:
        if token != self._missing_token:
            return
        if not missing:
            self.model_state.setText("Ready: everything this engine needs is on disk")
            self._download_name = ""
        else:
            fallback = registry.get(registry.DEFAULT_ENGINE).label
            self.model_state.setText("Not ready: " + "; ".join(str(m) for m in missing) +
                                     f" — {fallback} works without it")
            self._download_name = next((getattr(m, "download", "") for m in missing if getattr(m, "download", "")), "")
        self.download.setVisible(bool(missing))
        self.download.setEnabled(bool(self._download_name) and self.download_dialog is None)

    # --- edits ------------------------------------------------------------------------------

    def _on_style_edited(self):
        if self._updating:
            return
        try:
            style = Style(phrases=parse_style_prompts(self.phrases.text()),
                          negatives=parse_style_prompts(self.negatives.text()))
        except DreamreelError as e:
            self.document.rejected.emit(f"Style: {e}")
            self._on_model_changed()
            return
        if style != self.document.project.style:
            self._run(SetStyle(style=style))

    def _on_render_edited(self, *_):
        if self._updating:
            return
        settings = copy.deepcopy(self.document.project.render)
        for attr, widget in self.widgets.items():
            _set(settings, attr, widget.currentData() if isinstance(widget, QComboBox) else widget.value())
        settings.burn_lyrics = self.burn.isChecked()
        if settings.engine == self._form_engine:  # the form shows this engine's settings
            own = replace(settings.engine_settings(),
                          **{name: widget_value(w) for name, w in self.engine_widgets.items()})
            settings.engines = {**settings.engines, settings.engine: own}
        if settings != self.document.project.render:
            self._run(SetRenderSettings(settings=settings))

    def _run(self, command):
        if not self.document.try_execute(command):  # refused: show the model's values again
            self._on_model_changed()

    def choose_engine(self, name: str) -> None:
        """Make `name` the project's engine: the same undoable SetRenderSettings edit as the
        Engine field (the toolbar's engine choice and the missing-weights dialog use it)."""
        combo = self.widgets["engine"]
        index = combo.findData(name)
        if index < 0 or name == self.document.project.render.engine:
            return
        combo.setCurrentIndex(index)  # -> _on_render_edited -> SetRenderSettings

    def _on_download_clicked(self):
        self.open_download(self._download_name)

    def open_download(self, name: str):
        """Fetch preset `name` in the download dialog (with its progress); the missing state
        refreshes when it ends. Returns the dialog (the running one when a download is on)."""
        from dreamreel.editor.dialogs.model_download_dialog import ModelDownloadDialog

        if self.download_dialog is not None:
            return self.download_dialog
        dialog = ModelDownloadDialog(name, self)
        dialog.downloaded.connect(lambda *_: self.refresh_missing())
        dialog.finished.connect(self._on_download_dialog_finished)
        self.download_dialog = dialog
        self.download.setEnabled(False)
        dialog.open()
        dialog.start()
        return dialog

    def shutdown(self) -> None:
        """Cancel a running download and wait for its worker (the window is closing)."""
        if self.download_dialog is not None:
            self.download_dialog.done(0)
        self._background.shutdown(wait=False)

    def _on_download_dialog_finished(self, _result):
        dialog, self.download_dialog = self.download_dialog, None
        if dialog is not None:
            dialog.deleteLater()
        self.refresh_missing()
