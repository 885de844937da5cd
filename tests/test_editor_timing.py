"""Timing through the full MainWindow: roll edits, nudges of touching blocks, ripple, merge, redo."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from dreamreel.core.commands import ReplaceBlocks
from dreamreel.core.project import Block
from editor_conftest_helpers import close_window, drag, make_project_file, open_window


@pytest.fixture
def window(qtbot, tmp_path):
    w = open_window(qtbot, make_project_file(tmp_path))
    w.timeline.vb.setXRange(0, 30, padding=0)
    w.timeline.set_analysis([5.5], [])
    # touching blocks, as an imported LRC has them
    w.document.execute(ReplaceBlocks(blocks=[Block("One lighthouse", 1000, 4000, id="one"),
                                             Block("Two waves", 4000, 8000, id="two"),
                                             Block("Three night:2", 8000, 12000, id="three")]))
    w.document.stack.clear()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    w.timeline.plot.setFocus()
    yield w
    close_window(w)


def times(window):
    return [(b.start_ms, b.end_ms) for b in window.document.project.blocks]


def press(window, key, mods=Qt.NoModifier):
    QTest.keyClick(window.timeline.plot, key, mods)


def test_dragging_a_shared_edge_rolls_both_blocks(window):
    drag(window, 4.0, 5.0, mods=Qt.AltModifier)  # Alt: no snapping
    (s1, e1), (s2, e2), _ = times(window)
    assert s1 == 1000 and e2 == 8000 and e1 == s2 and abs(e1 - 5000) < 60
    assert window.document.stack.count() == 1
    window.document.stack.undo()
    assert times(window)[:2] == [(1000, 4000), (4000, 8000)]


def test_shift_drag_splits_a_shared_edge(window):
    drag(window, 4.0, 3.0, mods=Qt.ShiftModifier | Qt.AltModifier)
    (s1, e1), (s2, e2), _ = times(window)
    assert abs(e1 - 3000) < 60 and (s2, e2) == (4000, 8000)  # only "one" changed: a gap opens


def test_roll_snaps_to_the_beat(window):
    drag(window, 4.0, 5.45)
    assert times(window)[:2] == [(1000, 5500), (5500, 8000)]


def test_nudging_touching_blocks_is_never_refused(window):
    window.document.select(["two"])
    for _ in range(3):
        press(window, Qt.Key_Right, Qt.AltModifier)
    assert times(window) == [(1000, 4030), (4030, 8030), (8030, 12000)]
    assert window.document.stack.count() == 1  # nudges of one selection merge
    window.document.stack.undo()
    assert times(window) == [(1000, 4000), (4000, 8000), (8000, 12000)]


def test_ripple_nudge_moves_every_later_block(window):
    window.document.select(["two"])
    press(window, Qt.Key_Right, Qt.ControlModifier | Qt.AltModifier)
    assert times(window) == [(1000, 4010), (4010, 8010), (8010, 12010)]


def test_refusals_name_blocks_by_number_and_text(window):
    window.document.select(["one"])
    for _ in range(11):  # 110 ms before the song's start is refused in words
        press(window, Qt.Key_Left, Qt.AltModifier | Qt.ShiftModifier)
    message = window.statusBar().currentMessage()
    assert message.startswith("block 1 “One lighthouse” would start before the song")
    assert "blocks[" not in message


def test_merge_keep_first_and_join_keep_prompt_syntax(window):
    window.document.select(["two"])
    press(window, Qt.Key_M, Qt.ShiftModifier)
    blocks = window.document.project.blocks
    assert [(b.text, b.start_ms, b.end_ms) for b in blocks[1:]] == [("Two waves", 4000, 12000)]
    window.document.stack.undo()
    window.document.select(["two"])
    press(window, Qt.Key_M)
    assert window.document.project.blocks[1].text == "Two waves | Three night:2"
    window.document.select(["one"])
    press(window, Qt.Key_M)
    assert window.document.project.blocks[0].text == "One lighthouse | Two waves | Three night:2"


@pytest.mark.parametrize("mods", [Qt.ControlModifier, Qt.ControlModifier | Qt.ShiftModifier])
def test_ctrl_y_and_ctrl_shift_z_redo(window, mods):
    window.document.select(["two"])
    press(window, Qt.Key_Delete)
    assert len(window.document.project.blocks) == 2
    press(window, Qt.Key_Z, Qt.ControlModifier)
    assert len(window.document.project.blocks) == 3
    press(window, Qt.Key_Y if mods == Qt.ControlModifier else Qt.Key_Z, mods)
    assert len(window.document.project.blocks) == 2


def test_shift_all_says_when_it_trims_at_the_song_end(window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    end = window.document.project.duration_ms
    window.document.execute(ReplaceBlocks(blocks=[Block("a", 1000, end - 1000, id="a"),
                                                  Block("b", end - 1000, end, id="b")]))
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a, **k: (0.5, True))
    window.seek(0)
    window.actions["shift_all"].trigger()
    assert times(window) == [(1500, end - 500), (end - 500, end)]
    assert "block 2 “b” trimmed at the end of the song" in window.statusBar().currentMessage()
