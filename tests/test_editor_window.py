"""Main window: import through the menu, keyboard edits, undo merging, autosave, close prompt."""

import os

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from dreamreel.core.project import load_project
from dreamreel.editor.document import autosave
from editor_conftest_helpers import EXAMPLES, close_window, make_project_file, open_window


@pytest.fixture
def project_path(tmp_path):
    return make_project_file(tmp_path)


@pytest.fixture
def window(qtbot, project_path):
    w = open_window(qtbot, project_path)
    yield w
    close_window(w)


def action(window, name):
    found = window.findChild(type(window.actions["split"]), name)
    assert found is not None, name
    return found


def test_open_shows_blocks_title_and_screenshot(window, tmp_path):
    assert [b.id for b in window.document.project.blocks] == ["one", "two", "three", "four"]
    assert window.windowTitle().startswith("example[*]")
    assert not window.isWindowModified()
    assert window.timeline.peaks is not None and len(window.timeline.beats_ms) > 10
    window.document.select(["two"])
    window.seek(7000)
    QApplication.processEvents()
    shot = tmp_path / "editor.png"
    assert window.grab().save(str(shot))
    assert shot.stat().st_size > 10_000
    # (docs/editor.png, with rendered blocks: test_editor_render_window.py, opt-in)


def test_import_lrc_through_the_menu_is_one_undo_step(window, monkeypatch):
    lrc = str(EXAMPLES / "lyrics.lrc")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (lrc, ""))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a[2]) or QMessageBox.Yes)
    action(window, "import_lyrics_lrc").trigger()
    assert len(asked) == 1 and "Replace the 4 blocks" in asked[0]  # the window had blocks
    project = window.document.project
    assert len(project.blocks) == 10
    assert project.blocks[0].text == "A lighthouse in a violet storm"
    assert project.tags.get("ti") == "Violet Storm"
    assert window.isWindowModified()
    window.document.stack.undo()
    assert [b.id for b in project.blocks] == ["one", "two", "three", "four"]


def test_bad_lyrics_file_is_one_plain_line_not_a_traceback(window, tmp_path):
    bad = tmp_path / "bad.lrc"
    bad.write_text("no timestamps at all\n")
    assert not window.import_lyrics(bad, "lrc")
    box = window._alerts[-1]
    assert "Traceback" not in box.text() and "bad.lrc" in box.text()
    assert len(window.document.project.blocks) == 4
    box.close()


def test_split_and_merge_at_playhead(window):
    window.seek(2500)
    action(window, "split").trigger()
    blocks = window.document.project.blocks
    assert [(b.start_ms, b.end_ms) for b in blocks[:2]] == [(1000, 2500), (2500, 4000)]
    assert blocks[1].text == "One lighthouse"
    window.document.select([blocks[0].id])
    action(window, "merge").trigger()
    assert (blocks := window.document.project.blocks)[0].end_ms == 4000 and len(blocks) == 4
    assert window.document.stack.count() == 2


def test_nudges_merge_into_one_undo_step(window):
    window.document.select(["two"])
    for _ in range(3):
        action(window, "nudge_right").trigger()
    action(window, "nudge_right_big").trigger()  # also a nudge of the same blocks: merges
    b = window.document.project.block("two")
    assert (b.start_ms, b.end_ms) == (6130, 9130)
    assert window.document.stack.count() == 1
    window.document.stack.undo()
    b = window.document.project.block("two")
    assert (b.start_ms, b.end_ms) == (6000, 9000)


def test_set_end_at_playhead_and_go_to_next(window):
    window.document.select(["one"])
    window.seek(4500)
    action(window, "set_end_next").trigger()
    assert window.document.project.block("one").end_ms == 4500
    assert window.document.selection == ["two"]


def test_rejected_edit_changes_nothing_and_says_why(window):
    window.document.select(["one"])
    window.seek(7000)  # past the next block's start
    action(window, "set_end").trigger()
    assert window.document.project.block("one").end_ms == 4000
    assert "block 1 “One lighthouse” would overlap block 2 “Two waves of glass”" in window.statusBar().currentMessage()
    assert window.document.stack.count() == 0


def test_inspector_edits_go_through_commands(window):
    window.document.select(["three"])
    inspector = window.inspector
    assert inspector.text.text() == "Three night blue"
    inspector.text.setText("Three red moons")
    inspector.text.editingFinished.emit()
    inspector.end.setText("00:16.250")
    inspector.end.editingFinished.emit()
    b = window.document.project.block("three")
    assert (b.text, b.end_ms) == ("Three red moons", 16250)
    window.document.stack.undo()
    assert inspector.end.text() == "00:15.000"  # the panel follows the model


def test_settings_panel_edits_render_settings_and_style(window):
    panel = window.settings_panel
    panel.widgets["fps"].setValue(24)
    assert window.document.project.render.fps == 24
    panel.phrases.setText("ink drawing:1 | blue:0.5")
    panel.phrases.editingFinished.emit()
    assert [(p.text, p.weight) for p in window.document.project.style.phrases] == [("ink drawing", 1.0), ("blue", 0.5)]
    window.document.stack.undo()
    window.document.stack.undo()
    assert window.document.project.render.fps == 30
    assert panel.widgets["fps"].value() == 30


def test_autosave_and_recovery(qtbot, project_path, monkeypatch):
    first = open_window(qtbot, project_path)
    first.document.select(["two"])
    first.delete_selection()
    saved = first.autosaver.save_now()
    assert saved is not None and saved.parent == autosave.autosave_dir()
    assert load_project(project_path).blocks[1].id == "two"  # the project file is untouched
    close_window(first)

    os.utime(project_path, (1, 1))  # the autosave is newer than the file
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    from dreamreel.editor.window.main_window import MainWindow

    second = MainWindow(use_audio=False, render=False)
    assert second.open_path(project_path)
    assert [b.id for b in second.document.project.blocks] == ["one", "three", "four"]
    assert second.document.modified and second.document.path == project_path.absolute()
    assert second.document.project.audio_path().exists()
    assert second.save()
    assert not saved.exists()  # a save removes the autosave
    close_window(second)


def test_close_with_unsaved_changes_asks(window, monkeypatch):
    window.document.select(["one"])
    window.delete_selection()
    answers = iter([QMessageBox.Cancel, QMessageBox.Discard])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: next(answers))
    assert not window.close()
    assert window.isVisible()
    assert window.close()


def test_close_and_save(window, monkeypatch, project_path):
    window.document.select(["one"])
    window.delete_selection()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Save)
    assert window.close()
    assert [b.id for b in load_project(project_path).blocks] == ["two", "three", "four"]


def test_drop_a_lyrics_file_asks_replace_or_cancel(window, monkeypatch):
    def drop():
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(EXAMPLES / "screenplay.csv"))])
        window.dropEvent(QDropEvent(QPointF(100, 100), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))

    asked = []
    answer = QMessageBox.Cancel
    monkeypatch.setattr(QMessageBox, "question", lambda _parent, _title, text, *a: asked.append(text) or answer)
    before = [b.id for b in window.document.project.blocks]
    drop()
    assert len(asked) == 1 and "Replace the 4 blocks" in asked[0] and "screenplay.csv" in asked[0]
    assert [b.id for b in window.document.project.blocks] == before  # Cancel keeps them
    answer = QMessageBox.Yes
    drop()
    assert window.document.project.blocks[0].text.startswith("A lighthouse")
    window.document.select([b.id for b in window.document.project.blocks])
    window.delete_selection()
    assert not window.document.project.blocks
    asked.clear()
    drop()  # no blocks: nothing to ask
    assert not asked and window.document.project.blocks[0].text.startswith("A lighthouse")


def test_shortcuts_sheet_lists_the_keys(window):
    window.show_shortcuts()
    table = window._shortcuts.table
    rows = {table.item(i, 1).text(): table.item(i, 0).text() for i in range(table.rowCount())}
    assert rows["Split at playhead"] == "S"
    assert rows["Nudge right 10 ms"] == "Alt+Right"
    assert rows["Play / pause"] == "Space"
    window._shortcuts.close()


def test_import_audio_runs_off_the_gui_thread_then_sets_the_song(qtbot, window, tmp_path):
    from tests.audio_synth import click_track, write_wav

    samples, _ = click_track(100, 30.0, 22050)
    wav = write_wav(tmp_path / "other.wav", samples, 22050)
    importer = window.audio_importer
    with qtbot.waitSignal(importer.imported, timeout=60_000):
        assert window.import_audio(wav)
        assert importer.is_busy() and window.import_bar.isVisibleTo(window)
        assert not window.import_audio(wav)  # one at a time
    assert not window.import_bar.isVisibleTo(window)
    project = window.document.project
    assert project.audio_path() == wav and project.duration_ms == 30_000
    window.document.stack.undo()
    assert project.audio_path().name == "song.ogg"


def test_import_of_a_broken_song_is_one_plain_line(qtbot, window, tmp_path):
    bad = tmp_path / "broken.mp3"
    bad.write_bytes(b"not audio at all")
    with qtbot.waitSignal(window.audio_importer.failed, timeout=60_000):
        window.import_audio(bad)
    box = window._alerts[-1]
    assert "Traceback" not in box.text() and "broken.mp3" in box.text()
    assert window.document.project.audio_path().name == "song.ogg"
    box.close()
