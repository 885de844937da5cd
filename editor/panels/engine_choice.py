"""The toolbar's engine choice: every registry entry by its label, with whether it can render
now ("weights missing" when its entry's `missing()` names files not on disk).

Choosing one is the settings panel's own undoable edit (`SettingsPanel.choose_engine`: one
SetRenderSettings), and the combo follows the project, so the two never disagree. What each
engine is missing is worked out off the GUI thread (an entry may import its libraries), again
after every render-settings change and after a download.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QComboBox, QSizePolicy, QStyle

from dreamreel.core.engine import registry
from dreamreel.editor.background import Background

MISSING_SUFFIX = " · weights missing"


def availability(render) -> dict[str, list[str]]:
    """{engine name: what it is missing, one line each} (runs in a worker)."""
    out = {}
    for name, entry in registry.entries().items():
        try:
            out[name] = [str(m) for m in entry.missing(render)]
        except Exception as e:  # noqa: BLE001 - a broken plug-in reads as missing, never a crash
            out[name] = [str(e)]
    return out


class EngineChoice(QComboBox):
    """The engine of the document's project, chosen through `settings_panel.choose_engine`."""

    def __init__(self, document, settings_panel, parent=None):
        super().__init__(parent)
        self.setObjectName("engine_choice")
        self.document = document
        self.settings_panel = settings_panel
        self.missing: dict[str, list[str]] = {}
        self._token = 0
        self._updating = False
        self._background = Background(self, name="dreamreel-engines")
        for name, entry in registry.entries().items():
            self.addItem(entry.label, name)
            self.setItemData(self.count() - 1, entry.description, Qt.ItemDataRole.ToolTipRole)
        self.setToolTip("Picture engine (the same setting as Project settings ▸ Engine)")
        # A fixed width (about 22 characters; the face elides, the list shows whole entries):
        # the toolbar never shifts when an entry's note changes, and leaves room for the rest.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(22)
        self.setFixedWidth(self.sizeHint().width())
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        widest = max((self.fontMetrics().horizontalAdvance(self.itemText(i) + MISSING_SUFFIX)
                      for i in range(self.count())), default=100)
        self.view().setMinimumWidth(widest + 48)
        self._warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.currentIndexChanged.connect(self._on_chosen)
        document.changed.connect(self._on_model_changed)
        document.projectReplaced.connect(self._on_model_changed)
        self._on_model_changed()

    def _on_model_changed(self, change=None):
        if change is not None and change.kind not in ("render", "all"):
            return
        self._updating = True
        try:
            self.setCurrentIndex(max(0, self.findData(self.document.project.render.engine)))
        finally:
            self._updating = False
        self.refresh()

    def _on_chosen(self, index: int):
        if not self._updating and index >= 0:
            self.settings_panel.choose_engine(self.itemData(index))

    def refresh(self) -> None:
        """Work out again (off the GUI thread) which engines have their weights."""
        self._token += 1
        token = self._token
        self._background.submit(availability, copy.deepcopy(self.document.project.render),
                                on_done=lambda missing: self._on_ready(token, missing))

    def pending(self) -> bool:
        return self._background.busy()

    def _on_ready(self, token: int, missing: dict[str, list[str]]):
        if token != self._token:
            return
        self.missing = missing
        for i in range(self.count()):
            name = self.itemData(i)
            entry, lacking = registry.get(name), missing.get(name)
            self.setItemText(i, entry.label + (MISSING_SUFFIX if lacking else ""))
            self.setItemIcon(i, self._warning if lacking else QIcon())
            self.setItemData(i, entry.description + ("\n\nMissing: " + "; ".join(lacking) if lacking else ""),
                             Qt.ItemDataRole.ToolTipRole)

    def shutdown(self) -> None:
        self._background.shutdown(wait=False)
