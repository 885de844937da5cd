"""Render pressed while the chosen engine's weights are not on disk: one dialog instead of a
failed job's truncated status line.

It says what is missing (the registry entry's `missing()` lines) and offers
"Use Draft for now" (the engine becomes the registry's default as one undoable edit, and the
render goes ahead), "Download…" (the existing download dialog with its progress; only when a
missing file has a download name) or Cancel. Window-modal, opened with `open()`, so nothing
waits in a nested event loop; the window acts on `choice` when it finishes.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout

from dreamreel.core.engine import registry

DRAFT, DOWNLOAD, CANCEL = "draft", "download", "cancel"


class MissingWeightsDialog(QDialog):
    """What `engine` is missing, and the three ways on (`chosen` carries DRAFT/DOWNLOAD/CANCEL)."""

    chosen = Signal(str)

    def __init__(self, engine: str, missing: list, parent=None):
        super().__init__(parent)
        self.setObjectName("missing_weights_dialog")
        self.engine = engine
        self.download_name = next((m.download for m in missing if getattr(m, "download", "")), "")
        self.choice = CANCEL
        label = registry.get(engine).label
        fallback = registry.get(registry.DEFAULT_ENGINE).label
        short = fallback.split(" (")[0]  # "Draft (instant, no models)" -> "Draft"
        self.setWindowTitle(f"{label}: model files missing")
        lines = "".join(f"<li>{html.escape(str(m))}</li>" for m in missing)
        self.message = QLabel(f"<b>{label}</b> cannot render yet: its model files are not on disk."
                              f"<ul>{lines}</ul>{fallback} renders now without them (quick, abstract pictures); "
                              "switch back once the download is done.")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.draft_button = self.buttons.addButton(f"Use {short} for now", QDialogButtonBox.AcceptRole)
        self.download_button: QPushButton = self.buttons.addButton("Download…", QDialogButtonBox.ActionRole)
        self.download_button.setEnabled(bool(self.download_name))
        if not self.download_name:
            self.download_button.setToolTip("No download is known for these files: see the lines above")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.Cancel)
        self.draft_button.setDefault(True)
        self.draft_button.clicked.connect(lambda: self._choose(DRAFT))
        self.download_button.clicked.connect(lambda: self._choose(DOWNLOAD))
        self.cancel_button.clicked.connect(lambda: self._choose(CANCEL))
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.done(QDialog.Accepted if choice != CANCEL else QDialog.Rejected)

    def reject(self):  # Escape / the close button
        self.choice = CANCEL
        super().reject()

    def done(self, result):
        first = not getattr(self, "_announced", False)
        self._announced = True
        super().done(result)
        if first:
            self.chosen.emit(self.choice)

