"""Helpers for the editor tests: a test project, opening and closing the window, mouse drags.

Imported by tests/test_editor_*.py (Qt warnings fail tests through pytest-qt, see pyproject.toml).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from dreamreel.core.project import Block, load_project, save_project

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples"


def make_project_file(tmp_path: Path) -> Path:
    """The example song with four blocks separated by gaps, saved in tmp_path."""
    for name in ("song.ogg", "lyrics.lrc", "screenplay.csv"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    project = load_project(EXAMPLES / "example.dreamreel")
    project.path = tmp_path / "example.dreamreel"
    project.blocks = [
        Block("One lighthouse", 1000, 4000, id="one"),
        Block("Two waves of glass", 6000, 9000, id="two"),
        Block("Three night blue", 12000, 15000, id="three"),
        Block("Four golden sail", 20000, 24000, id="four"),
    ]
    save_project(project, tmp_path / "example.dreamreel")
    return tmp_path / "example.dreamreel"


def open_window(qtbot, path: Path, *, render: bool = False):
    """A MainWindow (clock playback; a render controller when `render`) showing `path`,
    analysis finished."""
    from dreamreel.editor.window.main_window import MainWindow

    window = MainWindow(use_audio=False, render=render)
    # Not qtbot.addWidget: pytest-qt closes those before fixtures tear down, and a modified
    # window would then ask to save. Callers close with `close_window`.
    window.resize(1400, 820)
    window.open_path(path, offer_recovery=False)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: not window.timeline.audio_pending(), timeout=60000)
    return window


def open_rendered_window(qtbot, path: Path, *, wait_ms: int = 120_000):
    """The full window with every panel, the draft engine's keyframes of every block cached and
    the render states (the controller's plan) in, undo history empty: what a user has after
    choosing the draft engine and "Render all"."""
    window = open_window(qtbot, path, render=True)
    rc = window.render_controller
    engine = window.settings_panel.widgets["engine"]
    engine.setCurrentIndex(engine.findData("draft"))
    with qtbot.waitSignal(rc.finished, timeout=wait_ms):
        window.actions["render_all"].trigger()
    qtbot.waitUntil(lambda: rc.plan("draft") is not None and not rc.states_pending(), timeout=wait_ms)
    window.document.stack.clear()
    return window


def pixel_of(window, t_s: float, y: float):
    """Viewport pixel of plot point (t seconds, y)."""
    timeline = window.timeline
    scene = timeline.vb.mapViewToScene(QPointF(t_s, y))
    return timeline.plot.mapFromScene(scene)


def lane_y(window) -> float:
    from dreamreel.editor.timeline.timeline_view import LANE_Y

    return (LANE_Y[0] + LANE_Y[1]) / 2


def _send(widget, kind, pos, button, buttons, mods):
    event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons, mods)
    QApplication.sendEvent(widget, event)


def drag(window, t0: float, t1: float, *, y: float | None = None, mods=Qt.NoModifier, steps: int = 6):
    """Press at t0 seconds, move in steps to t1, release, all on the timeline's viewport."""
    import pyqtgraph as pg

    viewport = window.timeline.plot.viewport()
    y = lane_y(window) if y is None else y
    a, b = pixel_of(window, t0, y), pixel_of(window, t1, y)
    rate = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", 0)  # synthetic moves arrive faster than a hand's
    try:
        _send(viewport, QEvent.MouseButtonPress, a, Qt.LeftButton, Qt.LeftButton, mods)
        for i in range(1, steps + 1):
            p = a + (b - a) * (i / steps)
            _send(viewport, QEvent.MouseMove, p, Qt.NoButton, Qt.LeftButton, mods)
        _send(viewport, QEvent.MouseButtonRelease, b, Qt.LeftButton, Qt.NoButton, mods)
    finally:
        pg.setConfigOption("mouseRateLimit", rate)
    QApplication.processEvents()


def click(window, t: float, *, y: float | None = None, mods=Qt.NoModifier):
    viewport = window.timeline.plot.viewport()
    p = pixel_of(window, t, lane_y(window) if y is None else y)
    _send(viewport, QEvent.MouseButtonPress, p, Qt.LeftButton, Qt.LeftButton, mods)
    _send(viewport, QEvent.MouseButtonRelease, p, Qt.LeftButton, Qt.NoButton, mods)
    QApplication.processEvents()


def close_window(window) -> None:
    """Close without the unsaved-changes prompt and free the window."""
    window.document.stack.setClean()
    window.close()
    window.deleteLater()
    QApplication.processEvents()
