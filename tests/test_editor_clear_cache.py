"""Render > Clear cache for selection asks first, saying how many keyframes it would delete;
No deletes nothing. Through the full window, every block's draft keyframes cached."""

import pytest
from PySide6.QtWidgets import QMessageBox

from editor_conftest_helpers import close_window, make_project_file, open_rendered_window


@pytest.fixture
def window(qtbot, tmp_path):
    w = open_rendered_window(qtbot, make_project_file(tmp_path))
    yield w
    close_window(w)


def answer(monkeypatch, reply):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or reply)
    return asked


def cached(window):
    return set(window.render_controller._cache().keys())


def test_clear_cache_of_everything_asks_with_the_count_and_no_keeps_it(window, monkeypatch):
    rc = window.render_controller
    everything = cached(window)
    planned = {key for _t, key, _b, _s in rc.plan("draft")}
    assert planned <= everything and len(planned) > 4
    asked = answer(monkeypatch, QMessageBox.No)
    window.actions["select_all"].trigger()  # Ctrl+A, then Clear cache: the case that wiped all
    window.actions["clear_cache"].trigger()
    assert asked == [f"Delete {len(planned)} cached keyframes of the 4 selected blocks? "
                     "They are rendered again the next time."]
    assert cached(window) == everything


def test_yes_deletes_the_selected_blocks_keyframes_only(window, monkeypatch):
    rc = window.render_controller
    everything = cached(window)
    of_two = {key for _t, key, block, _s in rc.plan("draft") if block == "two"}
    asked = answer(monkeypatch, QMessageBox.Yes)
    window.document.select(["two"])
    window.actions["clear_cache"].trigger()
    assert len(asked) == 1 and f"Delete {len(of_two)} cached keyframes of the 1 selected block?" in asked[0]
    assert cached(window) == everything - of_two
    window.actions["clear_cache"].trigger()  # nothing left to delete: no question, a status line
    assert len(asked) == 1 and "Nothing is cached" in window.statusBar().currentMessage()
