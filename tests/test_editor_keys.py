"""Real key presses on the main window: the shortcuts the artist uses while listening."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from editor_conftest_helpers import close_window, make_project_file, open_window


@pytest.fixture
def window(qtbot, tmp_path):
    w = open_window(qtbot, make_project_file(tmp_path))
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)  # window shortcuts need the active window
    w.timeline.plot.setFocus()
    yield w
    close_window(w)


def press(window, key, mods=Qt.NoModifier):
    QTest.keyClick(window.timeline.plot, key, mods)


def test_space_toggles_playback(window):
    assert not window.player.is_playing()
    press(window, Qt.Key_Space)
    assert window.player.is_playing()
    press(window, Qt.Key_Space)
    assert not window.player.is_playing()


def test_s_splits_and_ctrl_z_undoes(window):
    window.seek(2500)
    press(window, Qt.Key_S)
    blocks = window.document.project.blocks
    assert [(b.start_ms, b.end_ms) for b in blocks[:2]] == [(1000, 2500), (2500, 4000)]
    assert window.document.selection == [blocks[1].id]
    press(window, Qt.Key_Z, Qt.ControlModifier)
    assert [b.id for b in window.document.project.blocks] == ["one", "two", "three", "four"]
    press(window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)  # redo
    assert len(window.document.project.blocks) == 5


def test_alt_arrows_nudge_the_selection_as_one_undo_step(window):
    window.document.select(["two"])
    for _ in range(3):
        press(window, Qt.Key_Right, Qt.AltModifier)
    press(window, Qt.Key_Left, Qt.AltModifier | Qt.ShiftModifier)  # 100 ms back
    b = window.document.project.block("two")
    assert (b.start_ms, b.end_ms) == (5930, 8930)
    assert window.document.stack.count() == 1
    press(window, Qt.Key_Z, Qt.ControlModifier)
    b = window.document.project.block("two")
    assert (b.start_ms, b.end_ms) == (6000, 9000)


def test_shift_space_plays_the_selection_and_stops_at_its_end(window, qtbot):
    window.document.select(["two"])  # 6.0-9.0 s
    press(window, Qt.Key_Space, Qt.ShiftModifier)
    assert window.player.is_playing() and 6000 <= window.player.position_ms() < 9000
    window.player.seek(8950)
    qtbot.waitUntil(lambda: not window.player.is_playing(), timeout=5000)
    assert window.player.position_ms() <= 9000


def test_loop_selection_jumps_back_to_the_start(window, qtbot):
    window.document.select(["one"])  # 1.0-4.0 s
    press(window, Qt.Key_L, Qt.ControlModifier)
    assert window.actions["loop_selection"].isChecked()
    press(window, Qt.Key_Space, Qt.ShiftModifier)
    window.player.seek(3950)
    qtbot.waitUntil(lambda: window.player.position_ms() < 3000, timeout=5000)
    assert window.player.is_playing()
    window.player.pause()


# --- text fields own their keys (issue 8) ---------------------------------------------------------

def times(window):
    return [(b.id, b.start_ms, b.end_ms) for b in window.document.project.blocks]


def test_enter_in_the_text_field_commits_and_moves_to_the_next_block(window):
    window.document.select(["two"])
    window.seek(20500)  # "set end and go to next" (Return) would cut block two here
    before = times(window)
    field = window.inspector.text
    window.inspector.focus_text()
    QTest.keyClicks(field, "Waves of steel")
    QTest.keyClick(field, Qt.Key_Return)
    assert window.document.project.block("two").text == "Waves of steel"
    assert times(window) == before and window.document.stack.count() == 1
    assert window.document.selection == ["three"]
    assert field.text() == "Three night blue" and field.hasFocus() and field.selectedText() == field.text()
    QTest.keyClicks(field, "Night of ink")  # typed over, line after line
    QTest.keyClick(field, Qt.Key_Enter)
    assert window.document.project.block("three").text == "Night of ink"
    assert window.document.selection == ["four"]


def test_window_shortcuts_never_fire_while_a_text_field_has_focus(window):
    window.document.select(["two"])
    window.seek(7000)
    before = times(window)
    field = window.inspector.text
    window.inspector.focus_text()
    QTest.keyClick(field, Qt.Key_End)
    for key, mods in ((Qt.Key_S, Qt.NoModifier), (Qt.Key_M, Qt.NoModifier), (Qt.Key_Space, Qt.NoModifier),
                      (Qt.Key_BracketLeft, Qt.NoModifier), (Qt.Key_BracketRight, Qt.NoModifier),
                      (Qt.Key_Delete, Qt.NoModifier), (Qt.Key_Right, Qt.AltModifier),
                      (Qt.Key_A, Qt.ControlModifier), (Qt.Key_Left, Qt.ControlModifier)):
        QTest.keyClick(field, key, mods)
    assert times(window) == before and window.document.stack.count() == 0
    assert not window.player.is_playing() and window.document.selection == ["two"]
    assert field.text() == "Two waves of glasssm []"  # S, M, Space and the brackets were typed
    window.seek(5000)
    window.timeline.plot.setFocus()  # out of the field, the same keys are shortcuts again
    press(window, Qt.Key_Delete)
    assert [b for b, *_ in times(window)] == ["one", "three", "four"]


def test_ctrl_z_in_a_text_field_undoes_its_typing_then_the_document(window):
    window.document.select(["two"])
    press(window, Qt.Key_Right, Qt.AltModifier)  # a document edit: nudge 10 ms
    assert window.document.project.block("two").start_ms == 6010
    field = window.inspector.text
    window.inspector.focus_text()
    QTest.keyClicks(field, "abc")
    assert field.text() == "abc"
    for _ in range(5):
        if not field.isUndoAvailable():
            break
        QTest.keyClick(field, Qt.Key_Z, Qt.ControlModifier)
    assert field.text() == "Two waves of glass"  # the field's own typing undone
    assert window.document.project.block("two").start_ms == 6010  # the document untouched
    QTest.keyClick(field, Qt.Key_Z, Qt.ControlModifier)  # nothing left in the field: the document
    assert window.document.project.block("two").start_ms == 6000
    assert field.text() == "Two waves of glass" and field.hasFocus()
