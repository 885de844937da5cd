"""The window's layout holds still while working: a long preview caption does not widen the
right docks (the timeline keeps its width), toolbar buttons stay put when the Undo text
changes, and the settings panel fits its dock without a horizontal scrollbar."""

from PySide6.QtWidgets import QApplication, QDockWidget, QScrollArea, QToolBar

from dreamreel.core.commands import set_text
from editor_conftest_helpers import close_window, make_project_file, open_window


def geometry(window):
    QApplication.processEvents()
    docks = {d.objectName(): (d.width(), d.height()) for d in window.findChildren(QDockWidget) if d.isVisible()}
    bar = window.findChild(QToolBar, "main_toolbar")
    buttons = [(bar.widgetForAction(a).x() if bar.widgetForAction(a) else None) for a in bar.actions()]
    return docks, buttons, window.timeline.width()


def test_caption_and_undo_text_leave_docks_and_toolbar_in_place(qtbot, tmp_path):
    window = open_window(qtbot, make_project_file(tmp_path), render=False)
    try:
        before = geometry(window)
        long_text = "An endless caption " * 12
        window.document.execute(set_text(window.document.project, "one", long_text))  # Undo: "Undo Edit text …"
        assert window.actions["undo"].text() != "&Undo"
        window.seek(2000)  # the preview caption names the block at the playhead: long
        window.preview.show_time(2000)
        assert "An endless caption" in window.preview._label.text()
        QApplication.processEvents()
        after = geometry(window)
        assert after == before
        toolbar_undo = window.actions_toolbar["undo"]
        assert toolbar_undo.text() == "Undo" and toolbar_undo.toolTip().startswith("Undo ")  # the step: a tooltip
        toolbar_undo.trigger()
        assert window.document.project.block("one").text == "One lighthouse"
        assert geometry(window) == before and not toolbar_undo.isEnabled()
    finally:
        close_window(window)


def test_settings_panel_has_no_horizontal_scrolling(qtbot, tmp_path):
    window = open_window(qtbot, make_project_file(tmp_path), render=False)
    try:
        dock = window.settings_panel.parentWidget()
        dock.raise_()
        QApplication.processEvents()
        scroll = window.settings_panel.findChild(QScrollArea)
        assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width()
        assert not scroll.horizontalScrollBar().isVisible()
    finally:
        close_window(window)


def test_toolbar_fits_and_state_column_shows_whole_labels(qtbot, tmp_path):
    """At the default 1400 px every toolbar button is on the toolbar (the engine combo is of a
    fixed, moderate width, no overflow »), and the lines grid's State column fits its words."""
    from PySide6.QtWidgets import QToolButton

    from dreamreel.editor.theme import STATE_LABELS

    window = open_window(qtbot, make_project_file(tmp_path), render=False)
    try:
        QApplication.processEvents()
        bar = window.findChild(QToolBar, "main_toolbar")
        extension = bar.findChild(QToolButton, "qt_toolbar_ext_button")
        assert extension is None or not extension.isVisible()
        assert all(bar.widgetForAction(a).isVisible() for a in bar.actions() if not a.isSeparator())
        table = window.lines.table
        state_col = table.model().columnCount() - 1
        fm = table.fontMetrics()
        assert table.columnWidth(state_col) >= max(fm.horizontalAdvance(t) for t in STATE_LABELS.values()) + 30
    finally:
        close_window(window)


def test_block_panel_labels_are_never_squashed(qtbot, tmp_path):
    """The Block dock scrolls (the form and its wrapped help lines keep their height) instead
    of clipping the prompt help when the right column is short."""
    from PySide6.QtWidgets import QLabel

    window = open_window(qtbot, make_project_file(tmp_path), render=False)
    try:
        window.document.select(["one"])
        QApplication.processEvents()
        labels = [w for w in window.inspector.findChildren(QLabel) if w.isVisible() and w.wordWrap()]
        assert labels
        for label in labels:
            assert label.height() >= label.heightForWidth(label.width()), label.text()[:40]
        assert isinstance(window.inspector.parentWidget().parentWidget(), QScrollArea)
    finally:
        close_window(window)
