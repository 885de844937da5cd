"""Before a render starts: how many keyframes and how long, as one status line; above
`ASK_ABOVE_S` (about a minute) a question first (Yes / No, No the default).

The speed is the one the last export measured with this engine on this machine (the export
dialog stores it), else the engine's own estimate; unknown speeds never ask."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from dreamreel.core.engine import registry
from dreamreel.core.engine.preview_plan import ASK_ABOVE_S

from dreamreel.editor.render.export_progress import SPI_KEY  # the last export's measured speed


def seconds_per_iteration(render, engine: str) -> float | None:
    measured = QSettings("dreamreel", "dreamreel").value(SPI_KEY.format(engine))
    try:
        if measured is not None and float(measured) > 0:
            return float(measured)
    except (TypeError, ValueError):
        pass
    return registry.get(engine).seconds_per_iteration(render)


def confirm(parent, what: str, choice) -> bool:
    """True to go ahead: at once when the estimate is short or unknown, else when asked Yes."""
    line = f"{what}: {choice.describe()}"
    parent.window().statusBar().showMessage(line, 10000) if hasattr(parent.window(), "statusBar") else None
    est = choice.estimate_s
    if est is None or est <= ASK_ABOVE_S:
        return True
    answer = QMessageBox.question(parent, "Long render", f"{line}.\n\nStart it?",
                                  QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
    return answer == QMessageBox.Yes
