"""Shared look: a dark palette and the colours of block render states.

`apply_dark_palette(app)` is optional (the main window decides); `STATE_COLOURS` and
`state_colour()` (with `STATE_LABELS`, `STATE_HELP` for the legend and tooltips) give every view the same colour for "none", "queued", "rendering", "cached"
and "stale", so the timeline, the inspector and the preview agree.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

STATE_COLOURS: dict[str, str] = {
    "none": "#5a5f6e",  # not rendered: neutral slate
    "queued": "#8a7a3a",  # waiting in the current job: muted amber
    "rendering": "#e0a526",  # being rendered now: bright amber (drawn with a progress fill)
    "cached": "#2e8a60",  # every keyframe in the cache: green (dark enough for white text)
    "stale": "#a5472f",  # rendered before, but an edit changed its keyframes: rust
}

STATE_LABELS: dict[str, str] = {
    "none": "Not rendered",
    "queued": "Queued",
    "rendering": "Rendering",
    "cached": "Rendered",
    "stale": "Out of date",
}

STATE_HELP: dict[str, str] = {
    "none": "no keyframe of it in the cache yet",
    "queued": "waiting in the running render",
    "rendering": "its keyframes are being rendered now",
    "cached": "every keyframe is in the cache (its first one is the picture)",
    "stale": "rendered before, but an edit changed its keyframes: render it again",
}

ACCENT = "#b455ff"  # the icon's violet: playhead, selection


def state_colour(state: str) -> QColor:
    """The colour of a block state (unknown states draw as "none")."""
    return QColor(STATE_COLOURS.get(state, STATE_COLOURS["none"]))


def apply_dark_palette(app) -> None:
    """A dark Fusion palette: pictures and waveforms read better on dark grey."""
    app.setStyle("Fusion")
    p = QPalette()
    base, window, text = QColor("#1e1f24"), QColor("#2a2c33"), QColor("#e6e6ea")
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, base)
    p.setColor(QPalette.ColorRole.AlternateBase, window)
    p.setColor(QPalette.ColorRole.ToolTipBase, window)
    p.setColor(QPalette.ColorRole.ToolTipText, text)
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, window)
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.BrightText, QColor("#ff5c5c"))
    p.setColor(QPalette.ColorRole.Link, QColor(ACCENT))
    p.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8a8c96"))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6c6e78"))
    app.setPalette(p)
