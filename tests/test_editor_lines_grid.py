"""The lines grid dock through the full MainWindow: columns, selection both ways, inline edits
on the undo stack, find/replace, Ctrl+G jump."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog

from dreamreel.core.commands import ReplaceBlocks
from dreamreel.core.project import Block
from editor_conftest_helpers import click, close_window, make_project_file, open_window


@pytest.fixture
def window(qtbot, tmp_path):
    w = open_window(qtbot, make_project_file(tmp_path))
    w.timeline.vb.setXRange(0, 30, padding=0)
    yield w
    close_window(w)


def cell(window, row, col):
    m = window.lines.model
    return m.data(m.index(row, col))


def rows_selected(window):
    return sorted(i.row() for i in window.lines.table.selectionModel().selectedRows())


def test_grid_lists_every_block_with_times_and_state(window):
    assert window.lines.model.rowCount() == 4
    assert [cell(window, 1, c) for c in range(5)] == ["2", "00:06.000", "00:09.000", "3.000", "Two waves of glass"]
    assert cell(window, 0, 6) == "Not rendered"
    assert window.findChild(type(window.lines.table), "lines_table").isVisible()


def test_selection_syncs_both_ways(window):
    click(window, 13.0)  # "three" on the timeline
    assert rows_selected(window) == [2]
    table = window.lines.table
    QTest.mouseClick(table.viewport(), Qt.LeftButton, Qt.NoModifier,
                     table.visualRect(window.lines.model.index(0, 4)).center())
    assert window.document.selection == ["one"]
    assert window.timeline.blocks.document.selection == ["one"]


def test_inline_edits_go_through_the_undo_stack(window):
    m = window.lines.model
    assert m.setData(m.index(1, 4), "Two seas of glass")
    assert window.document.project.block("two").text == "Two seas of glass"
    assert m.setData(m.index(1, 2), "00:10.5")  # end
    assert window.document.project.block("two").end_ms == 10500
    assert m.setData(m.index(1, 3), "2")  # duration in seconds
    assert window.document.project.block("two").end_ms == 8000
    assert not m.setData(m.index(1, 2), "14.98")  # "three" (12-15 s) would be squeezed to 20 ms
    assert "block 3 “Three night blue” would be shorter than 50 ms" in window.statusBar().currentMessage()
    assert m.setData(m.index(1, 2), "13")  # runs into "three": its start is trimmed back, not refused
    assert window.document.project.block("three").start_ms == 13000
    window.document.stack.undo()
    assert not m.setData(m.index(1, 1), "soon")
    assert "is not a time" in window.statusBar().currentMessage()
    for _ in range(3):
        window.document.stack.undo()
    b = window.document.project.block("two")
    assert (b.text, b.end_ms) == ("Two waves of glass", 9000)


def test_typing_in_the_grid_edits_the_text(window, qtbot):
    table = window.lines.table
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    table.setFocus()
    table.setCurrentIndex(window.lines.model.index(0, 4))
    QTest.keyClick(table, Qt.Key_F2)
    editor = table.focusWidget()
    editor.selectAll()
    QTest.keyClicks(editor, "A new first line")
    QTest.keyClick(editor, Qt.Key_Return)  # the delegate commits on the next event-loop turn
    qtbot.waitUntil(lambda: window.document.project.block("one").text == "A new first line")
    assert window.document.stack.count() == 1


def test_editing_a_shared_start_rolls_the_touching_neighbour(window):
    window.document.execute(ReplaceBlocks(blocks=[Block("a", 1000, 4000, id="a"), Block("b", 4000, 8000, id="b")]))
    m = window.lines.model
    assert m.setData(m.index(1, 1), "3.5")
    assert [(b.start_ms, b.end_ms) for b in window.document.project.blocks] == [(1000, 3500), (3500, 8000)]


def test_find_next_and_replace_all_as_one_undo_step(window):
    grid = window.lines
    grid.find.setText("o")
    assert grid.find_next()
    assert window.document.selection == ["one"]
    assert grid.find_next()
    assert window.document.selection == ["two"]
    grid.find.setText("GLASS")
    grid.replace.setText("ice")
    before = window.document.stack.count()
    assert grid.replace_all() == 1
    assert window.document.project.block("two").text == "Two waves of ice"
    assert window.document.stack.count() == before + 1
    grid.find.setText("nowhere")
    assert not grid.find_next()
    assert "is not in any line" in window.statusBar().currentMessage()


def test_ctrl_g_jumps_to_a_line_or_a_time(window, qtbot, monkeypatch):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.timeline.plot.setFocus()
    answers = iter([("3", True), ("0:21.5", True), ("nonsense", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    QTest.keyClick(window.timeline.plot, Qt.Key_G, Qt.ControlModifier)
    assert window.document.selection == ["three"] and window.playhead_ms() == 12000
    QTest.keyClick(window.timeline.plot, Qt.Key_G, Qt.ControlModifier)
    assert window.document.selection == ["four"] and window.playhead_ms() == 21500
    QTest.keyClick(window.timeline.plot, Qt.Key_G, Qt.ControlModifier)
    assert "neither a line number (1–4) nor a time" in window.statusBar().currentMessage()


def test_grid_follows_adds_and_removes(window):
    window.document.select(["two"])
    window.actions["delete"].trigger()
    assert window.lines.model.rowCount() == 3
    assert cell(window, 1, 4) == "Three night blue"
    window.document.stack.undo()
    assert window.lines.model.rowCount() == 4 and cell(window, 1, 4) == "Two waves of glass"
