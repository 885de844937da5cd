"""Project settings: style and negative prompts, picture size and rates, iterations, continuity,
music-drive strengths, engine, model preset and device. Edits go through SetStyle and
SetRenderSettings; the panel re-reads the project whenever it changes.

Download… fetches the chosen preset in `ModelDownloadDialog` (core's `download_preset`, the
same code as `dreamreel models download NAME`: mirrors, resume, hash checks); the preset list
and its "Downloaded" state refresh when it finishes.
"""

from __future__ import annotations

import copy

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from dreamreel.core.commands import SetRenderSettings, SetStyle
from dreamreel.core.project import CONTINUITY_MODES, DEVICES, INTERPOLATIONS, Style
from dreamreel.editor.panels.inspector_panel import format_prompts, parse_prompts

ENGINE_LABELS = {"vqgan-clip": "VQGAN+CLIP", "draft": "Draft (instant, no models)"}

# (attribute on RenderSettings or "music.<attr>", label, kind, range)
NUMBERS = [
    ("width", "Width", int, (16, 4096, 16)),
    ("height", "Height", int, (16, 4096, 16)),
    ("fps", "Frames per second", int, (1, 120, 1)),
    ("keyframes_per_second", "Keyframes per second", float, (0.1, 60.0, 0.5)),
    ("iterations_first", "Iterations (first keyframe)", int, (0, 100000, 10)),
    ("iterations", "Iterations (next keyframes)", int, (0, 100000, 5)),
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
    ("engine", "Engine", tuple(ENGINE_LABELS)),
    ("device", "Device", DEVICES),
]


def _get(settings, attr: str):
    obj = settings.music if attr.startswith("music.") else settings
    return getattr(obj, attr.split(".")[-1])


def _set(settings, attr: str, value) -> None:
    obj = settings.music if attr.startswith("music.") else settings
    setattr(obj, attr.split(".")[-1], value)


def model_presets() -> list[tuple[str, bool]]:
    """(preset name, files on disk?) for each known VQGAN preset."""
    try:
        from dreamreel.core.engine import models
    except ImportError:
        return []
    out = []
    for name in models.PRESETS:
        try:
            config, ckpt = models.resolve_vqgan(name)
            out.append((name, config.exists() and ckpt.exists()))
        except Exception:  # ModelNotFoundError, or anything odd in a user's models dir
            out.append((name, False))
    return out


class SettingsPanel(QWidget):
    """Project-wide style and render settings, edited through core commands."""


    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self._updating = True  # filling the widgets below must not issue commands
        self.download_dialog = None
        self.phrases = QLineEdit()
        self.phrases.setPlaceholderText("oil painting:1 | dark:0.6")
        self.negatives = QLineEdit()
        self.negatives.setPlaceholderText("text, watermark:0.5")
        self.phrases.editingFinished.connect(self._on_style_edited)
        self.negatives.editingFinished.connect(self._on_style_edited)

        form = QFormLayout()
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
                combo.addItem(ENGINE_LABELS.get(v, v), v)
            combo.currentIndexChanged.connect(self._on_render_edited)
            form.addRow(label, combo)
            self.widgets[attr] = combo
        self.burn = QCheckBox("Burn lyrics into the video")
        self.burn.toggled.connect(self._on_render_edited)
        form.addRow("", self.burn)

        self.preset = QComboBox()
        self.preset_state = QLabel()
        self.download = QPushButton("Download…")
        self.download.clicked.connect(self._on_download_clicked)
        self.preset.currentIndexChanged.connect(self._on_render_edited)
        row = QHBoxLayout()
        row.addWidget(self.preset, 1)
        row.addWidget(self.download)
        form.addRow("VQGAN model", row)
        form.addRow("", self.preset_state)
        self._fill_presets()

        inner = QWidget()
        inner.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        document.changed.connect(self._on_model_changed)
        self._on_model_changed()

    def _fill_presets(self):
        self._presets = dict(model_presets())
        for name, present in self._presets.items():
            self.preset.addItem(self._preset_label(name, present), name)

    @staticmethod
    def _preset_label(name: str, present: bool) -> str:
        return f"{name}{'' if present else '  (not downloaded)'}"

    def _on_presets_changed(self, *_):
        """Files appeared on disk (a download finished): re-check every preset's state."""
        self._presets = dict(model_presets())
        for i in range(self.preset.count()):
            name = self.preset.itemData(i)
            if name in self._presets:
                self.preset.setItemText(i, self._preset_label(name, self._presets[name]))
        self._show_preset_state()

    def _on_model_changed(self, change=None):
        if change is not None and change.kind not in ("style", "render", "all"):
            return
        project = self.document.project
        self._updating = True
        try:
            self.phrases.setText(format_prompts(project.style.phrases))
            self.negatives.setText(format_prompts(project.style.negatives))
            r = project.render
            for attr, widget in self.widgets.items():
                if isinstance(widget, QComboBox):
                    widget.setCurrentIndex(max(0, widget.findData(_get(r, attr))))
                else:
                    widget.setValue(_get(r, attr))
            self.burn.setChecked(r.burn_lyrics)
            i = self.preset.findData(r.vqgan)
            if i < 0:
                self.preset.addItem(f"{r.vqgan}  (custom)", r.vqgan)
                i = self.preset.count() - 1
            self.preset.setCurrentIndex(i)
        finally:
            self._updating = False
        self._show_preset_state()

    def _show_preset_state(self):
        name = self.preset.currentData()
        present = self._presets.get(name, False)
        self.preset_state.setText("Downloaded" if present else "Not downloaded — the draft engine works without it")
        self.download.setEnabled(not present and name in self._presets and self.download_dialog is None)

    def _on_style_edited(self):
        if self._updating:
            return
        style = Style(phrases=parse_prompts(self.phrases.text()), negatives=parse_prompts(self.negatives.text()))
        if style != self.document.project.style:
            self._run(SetStyle(style=style))

    def _on_render_edited(self, *_):
        if self._updating:
            return
        settings = copy.deepcopy(self.document.project.render)
        for attr, widget in self.widgets.items():
            _set(settings, attr, widget.currentData() if isinstance(widget, QComboBox) else widget.value())
        settings.burn_lyrics = self.burn.isChecked()
        settings.vqgan = self.preset.currentData() or settings.vqgan
        if settings != self.document.project.render:
            self._run(SetRenderSettings(settings=settings))
        self._show_preset_state()

    def _run(self, command):
        if not self.document.try_execute(command):  # refused: show the model's values again
            self._on_model_changed()

    def _on_download_clicked(self):
        from dreamreel.editor.dialogs.model_download_dialog import ModelDownloadDialog

        dialog = ModelDownloadDialog(self.preset.currentData(), self)
        dialog.downloaded.connect(self._on_presets_changed)
        dialog.finished.connect(self._on_download_dialog_finished)
        self.download_dialog = dialog
        self._show_preset_state()
        dialog.open()
        dialog.start()

    def shutdown(self) -> None:
        """Cancel a running download and wait for its worker (the window is closing)."""
        if self.download_dialog is not None:
            self.download_dialog.done(0)

    def _on_download_dialog_finished(self, _result):
        dialog, self.download_dialog = self.download_dialog, None
        if dialog is not None:
            dialog.deleteLater()
        self._on_presets_changed()
