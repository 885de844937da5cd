"""The editor's Import/Export lyrics menus offer every format of the table, with its file filter."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from dreamreel.core.formats import TABLE, read_lyrics
from editor_conftest_helpers import close_window, make_project_file, open_window

VTT = "WEBVTT\n\n00:01.000 --> 00:02.500\n<i>Hello</i> &amp; bye\n\n00:02.500 --> 00:04.000\n<v Bob>Two</v>\n"


@pytest.fixture
def window(qtbot, tmp_path):
    w = open_window(qtbot, make_project_file(tmp_path))
    yield w
    close_window(w)


def action(window, name):
    found = window.findChild(type(window.actions["split"]), name)
    assert found is not None, name
    return found


def test_every_table_format_has_import_and_export_actions(window):
    for name in TABLE:
        action(window, f"import_lyrics_{name}")
        action(window, f"export_lyrics_{name}")


def test_import_vtt_through_the_menu_strips_markup(window, tmp_path, monkeypatch):
    path = tmp_path / "subs.vtt"
    path.write_text(VTT, encoding="utf-8")
    seen = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (seen.append(a[3]), (str(path), ""))[1])
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or QMessageBox.Yes)
    action(window, "import_lyrics_vtt").trigger()
    assert seen == ["WebVTT subtitles (*.vtt)"]
    assert asked == ["Replace the blocks?"]  # the project had blocks
    blocks = window.document.project.blocks
    assert [(b.text, b.start_ms, b.end_ms) for b in blocks] == [("Hello & bye", 1000, 2500), ("Two", 2500, 4000)]


def test_export_ass_through_the_menu_with_its_filter(window, tmp_path, monkeypatch):
    out = tmp_path / "out.ass"
    seen = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (seen.append(a[3]), (str(out), ""))[1])
    action(window, "export_lyrics_ass").trigger()
    assert seen == ["ASS/SSA subtitles (*.ass *.ssa)"]
    back = read_lyrics(out)
    assert [(b.text, b.start_ms, b.end_ms) for b in back.blocks] == [
        (b.text, b.start_ms, b.end_ms) for b in window.document.project.blocks]
