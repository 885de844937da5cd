"""Navigation and mouse timing through the full MainWindow: overview strip, scrollbar, zoom
slider, sticky labels, the view following keyboard moves, live drag times, click-to-set."""

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from dreamreel.core.commands import ReplaceBlocks
from dreamreel.core.project import Block
from editor_conftest_helpers import _send, click, close_window, lane_y, make_project_file, open_window, pixel_of


@pytest.fixture
def window(qtbot, tmp_path):
    w = open_window(qtbot, make_project_file(tmp_path))
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    w.timeline.plot.setFocus()
    yield w
    close_window(w)


def view(window):
    return window.timeline.vb.viewRange()[0]


def test_zoom_slider_and_scrollbar_move_the_view(window):
    nav = window.timeline.navigator
    window.timeline.fit()
    assert nav.zoom.value() <= 5  # the whole song: slider at the left
    nav.zoom.setValue(900)
    x0, x1 = view(window)
    assert x1 - x0 < 2.0
    nav.scrollbar.setValue(10_000)
    assert abs(view(window)[0] - 10.0) < 0.01
    assert nav.zoom.value() == pytest.approx(900, abs=2)  # the slider follows the view, no feedback loop


def test_overview_drag_pans_the_view(window):
    window.timeline.vb.setXRange(0, 5, padding=0)
    strip = window.timeline.navigator.overview
    rect = strip.view_rect()
    start = rect.center().toPoint()
    QTest.mousePress(strip, Qt.LeftButton, Qt.NoModifier, start)
    end = start + type(start)(strip.width() // 2, 0)
    strip.mouseMoveEvent(QMouseEvent(QEvent.MouseMove, QPointF(end), QPointF(strip.mapToGlobal(end)),
                                     Qt.NoButton, Qt.LeftButton, Qt.NoModifier))
    QTest.mouseRelease(strip, Qt.LeftButton, Qt.NoModifier, end)
    x0, x1 = view(window)
    d = window.timeline.duration_s()
    assert abs((x1 - x0) - 5) < 0.01 and abs(x0 - d / 2) < 0.05 * d


def test_keyboard_moves_of_the_playhead_stay_in_view(window):
    window.timeline.vb.setXRange(0, 5, padding=0)
    window.document.select(["one"])
    QTest.keyClick(window.timeline.plot, Qt.Key_Right, Qt.ControlModifier)
    QTest.keyClick(window.timeline.plot, Qt.Key_Right, Qt.ControlModifier)
    QTest.keyClick(window.timeline.plot, Qt.Key_Right, Qt.ControlModifier)  # "four" starts at 20 s
    x0, x1 = view(window)
    assert window.playhead_ms() == 20000 and x0 < 20.0 < x1 and abs((x1 - x0) - 5) < 0.01


def test_block_labels_stay_visible_at_the_left_edge(window):
    window.timeline.vb.setXRange(2.5, 9, padding=0)  # "one" (1-4 s) starts off screen
    blocks = window.timeline.blocks
    seen = []
    original = blocks._wrapped
    blocks._wrapped = lambda fm, text, room, n: seen.append((text, room)) or original(fm, text, room, n)
    blocks.invalidate()
    window.timeline.plot.viewport().repaint()
    room = dict(seen)["One lighthouse"]
    one_px = pixel_of(window, 4.0, 0).x() - pixel_of(window, 2.5, 0).x()
    assert room <= one_px  # the text is laid out in the visible part, not from 1 s


def test_drag_shows_live_times_in_the_status_bar(window, qtbot):
    import pyqtgraph as pg

    window.timeline.vb.setXRange(0, 30, padding=0)
    viewport = window.timeline.plot.viewport()
    a, b = pixel_of(window, 4.0, lane_y(window)), pixel_of(window, 5.0, lane_y(window))
    pg.setConfigOption("mouseRateLimit", 0)
    messages = []
    window.timeline.blocks.dragInfo.connect(messages.append)
    _send(viewport, QEvent.MouseButtonPress, a, Qt.LeftButton, Qt.LeftButton, Qt.AltModifier)
    for i in range(1, 5):
        _send(viewport, QEvent.MouseMove, a + (b - a) * (i / 4), Qt.NoButton, Qt.LeftButton, Qt.AltModifier)
    QApplication.processEvents()
    live = window.statusBar().currentMessage()
    assert live.startswith("00:01.000 → 00:0") and live.endswith(" s")  # during the drag
    _send(viewport, QEvent.MouseButtonRelease, b, Qt.LeftButton, Qt.NoButton, Qt.AltModifier)
    pg.setConfigOption("mouseRateLimit", 30)
    assert messages[-1] == "" and len(messages) >= 3


def test_click_to_set_start_and_end(window):
    window.timeline.vb.setXRange(0, 30, padding=0)
    window.document.execute(ReplaceBlocks(blocks=[Block("a", 1000, 4000, id="a"), Block("b", 4000, 8000, id="b")]))
    window.document.select(["b"])
    window.actions["click_set"].setChecked(True)
    click(window, 5.0, y=0.0)  # left click on the waveform: start of "b"
    b = window.document.project.block("b")
    assert abs(b.start_ms - 5000) < 60 and window.document.project.block("a").end_ms == 4000  # a gap, Aegisub-style
    viewport = window.timeline.plot.viewport()
    p = pixel_of(window, 9.5, lane_y(window))
    _send(viewport, QEvent.MouseButtonPress, p, Qt.RightButton, Qt.RightButton, Qt.NoModifier)
    _send(viewport, QEvent.MouseButtonRelease, p, Qt.RightButton, Qt.NoButton, Qt.NoModifier)
    QApplication.processEvents()
    assert abs(window.document.project.block("b").end_ms - 9500) < 60
    click(window, 2.0, y=0.0)  # before "a" ends: a's end is trimmed back, never refused
    assert abs(window.document.project.block("a").end_ms - 2000) < 60
    window.actions["click_set"].setChecked(False)
    click(window, 12.0, y=0.0)
    assert abs(window.playhead_ms() - 12000) < 60  # clicks seek again


def test_empty_state_hint_and_fit_after_import(qtbot, tmp_path):
    import shutil

    from dreamreel.editor.window.main_window import MainWindow
    from editor_conftest_helpers import EXAMPLES

    w = MainWindow(use_audio=False, render=False)
    w.resize(1400, 820)
    w.show()
    qtbot.waitExposed(w)
    try:
        assert w.timeline.empty_hint.isVisible()
        assert "Drop a song and its lyrics here" in w.timeline.empty_hint.text()
        shutil.copy(EXAMPLES / "song.ogg", tmp_path / "song.ogg")
        w.import_audio(str(tmp_path / "song.ogg"))
        qtbot.waitUntil(lambda: w.document.project.audio is not None, timeout=60000)
        qtbot.waitUntil(lambda: not w.timeline.audio_pending(), timeout=60000)
        assert not w.timeline.empty_hint.isVisible()
        x0, x1 = w.timeline.vb.viewRange()[0]
        assert x1 >= w.document.project.duration_ms / 1000 - 0.01 and x0 <= 0.0
    finally:
        close_window(w)


def test_scrollbar_has_the_timeline_width_at_the_default_size(qtbot, tmp_path):
    """The scrollbar has its own row: at the window's default size it spans (nearly) the whole
    timeline, not the ~330 px left beside the state legend and the zoom slider."""
    from dreamreel.editor.window.main_window import MainWindow

    w = MainWindow(use_audio=False, render=False)  # its own default size, no resize
    w.open_path(make_project_file(tmp_path), offer_recovery=False)
    w.show()
    qtbot.waitExposed(w)
    try:
        QApplication.processEvents()
        nav = w.timeline.navigator
        assert nav.legend.isVisible() and nav.zoom.isVisible()
        assert nav.scrollbar.width() >= 0.8 * w.timeline.width(), (nav.scrollbar.width(), w.timeline.width())
    finally:
        close_window(w)
