"""The block-state legend under the timeline's scrollbar (left of the zoom slider): one swatch per render state in
the lane's own colours (theme.STATE_COLOURS), its label, and what it means as a tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from dreamreel.editor.theme import STATE_COLOURS, STATE_HELP, STATE_LABELS

ORDER = ("none", "queued", "rendering", "cached", "stale")


class StateLegend(QWidget):
    """Swatch + label per block state (`swatches`, `entries`: by state)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("state_legend")
        self.entries: dict[str, QLabel] = {}
        self.swatches: dict[str, QLabel] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 6, 0)
        row.setSpacing(4)
        for state in ORDER:
            swatch = QLabel()
            swatch.setFixedSize(11, 11)
            swatch.setStyleSheet(f"background: {STATE_COLOURS[state]}; border: 1px solid #14161b; border-radius: 2px;")
            label = QLabel(STATE_LABELS[state])
            label.setStyleSheet("color: #aeb4c2;")
            for w in (swatch, label):
                w.setToolTip(f"{STATE_LABELS[state]}: {STATE_HELP[state]}")
            row.addWidget(swatch)
            row.addWidget(label)
            row.addSpacing(6)
            self.entries[state] = label
            self.swatches[state] = swatch
