"""Timeline mouse editing: drag edges and bodies, snap, multi-select, create; one undo step each."""

import pytest
from PySide6.QtCore import Qt

from editor_conftest_helpers import click, close_window, drag, make_project_file, open_window


@pytest.fixture
def window(qtbot, tmp_path):
    w = open_window(qtbot, make_project_file(tmp_path))
    w.timeline.vb.setXRange(0, 30, padding=0)  # ~35 ms per pixel on a 900 px plot
    w.timeline.set_analysis([0.5, 5.2, 10.0, 16.0], [])
    yield w
    close_window(w)


def times(window, block_id):
    b = window.document.project.block(block_id)
    return b.start_ms, b.end_ms


def test_drag_end_edge_snaps_to_a_beat_then_undo_and_redo(window):
    stack = window.document.stack
    drag(window, 4.0, 5.15)  # a beat sits at 5.2 s, within the snap tolerance
    assert times(window, "one") == (1000, 5200)
    assert stack.count() == 1
    stack.undo()
    assert times(window, "one") == (1000, 4000)
    stack.redo()
    assert times(window, "one") == (1000, 5200)


def test_alt_inverts_snapping(window):
    drag(window, 4.0, 5.15, mods=Qt.AltModifier)
    start, end = times(window, "one")
    assert start == 1000 and end != 5200 and abs(end - 5150) < 60


def test_edge_is_clamped_by_the_neighbour(window):
    drag(window, 4.0, 7.5)
    assert times(window, "one") == (1000, 6000)  # stops at "two"'s start, no overlap


def test_multi_selection_moves_as_one_undo_step(window):
    click(window, 7.5)
    click(window, 13.5, mods=Qt.ShiftModifier)
    assert window.document.selection == ["two", "three"]
    before = window.document.stack.count()
    drag(window, 7.5, 8.5, mods=Qt.AltModifier)  # Alt: no snapping, exact delta
    (s2, e2), (s3, e3) = times(window, "two"), times(window, "three")
    delta = s2 - 6000
    assert 900 < delta < 1100
    assert (e2, s3, e3) == (9000 + delta, 12000 + delta, 15000 + delta)
    assert window.document.stack.count() == before + 1
    window.document.stack.undo()
    assert times(window, "two") == (6000, 9000) and times(window, "three") == (12000, 15000)


def test_drag_in_empty_space_creates_a_block(window):
    drag(window, 16.5, 18.5, mods=Qt.AltModifier)
    blocks = window.document.project.blocks
    assert len(blocks) == 5
    new = blocks[3]
    assert 16400 < new.start_ms < 16600 and 18400 < new.end_ms < 18600
    assert window.document.selection == [new.id]


def test_shift_drag_in_empty_space_selects_a_range(window):
    drag(window, 5.0, 16.0, mods=Qt.ShiftModifier)
    assert window.document.selection == ["two", "three"]


def test_click_on_waveform_seeks(window):
    click(window, 10.0, y=0.0)
    assert abs(window.playhead_ms() - 10000) < 60


def test_wheel_keeps_range_and_fit_shows_song(window):
    window.zoom_in()
    x0, x1 = window.timeline.vb.viewRange()[0]
    assert x1 - x0 < 20
    window.zoom_fit()
    x0, x1 = window.timeline.vb.viewRange()[0]
    assert x0 <= 0.5 and x1 >= 47.5
