"""Startup without a project offers back an untitled project a previous session autosaved."""

import os
import time

import pytest
from PySide6.QtWidgets import QMessageBox

from dreamreel.core.project import AudioRef, Block, Project
from dreamreel.editor.document import autosave
from dreamreel.editor.app import open_at_start
from editor_conftest_helpers import EXAMPLES, close_window


@pytest.fixture
def earlier_session(tmp_path):
    """An untitled project (a song, two blocks) autosaved by an earlier session that crashed."""
    for old in autosave.autosave_dir().glob("untitled-*.dreamreel"):
        old.unlink()  # the autosave folder is shared by the whole test session
    project = Project(audio=AudioRef(path=str((EXAMPLES / "song.ogg").absolute())),
                      blocks=[Block("A lighthouse", 0, 3000, id="a"), Block("Waves of glass", 3000, 6000, id="b")])
    written = autosave.write_autosave(project)
    earlier = written.with_name("untitled-0ldsess1.dreamreel")
    os.replace(written, earlier)
    return earlier


@pytest.fixture
def window(qtbot):
    from dreamreel.editor.window.main_window import MainWindow

    w = MainWindow(use_audio=False, render=False)
    yield w
    close_window(w)


def answer(monkeypatch, reply):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or reply)
    return asked


def test_yes_opens_it_unsaved_and_the_session_adopts_its_autosave(window, earlier_session, monkeypatch):
    asked = answer(monkeypatch, QMessageBox.Yes)
    open_at_start(window, [])
    assert len(asked) == 1 and "untitled project" in asked[0]
    doc = window.document
    assert [b.id for b in doc.project.blocks] == ["a", "b"]
    assert doc.modified and doc.path is None and window.isWindowModified()
    assert doc.project.audio_path() == (EXAMPLES / "song.ogg").absolute()
    assert not earlier_session.exists() and autosave.autosave_path(None).exists()
    assert autosave.untitled_autosave() is None  # ours now: not offered to ourselves
    doc.stack.setClean()
    window.autosaver.forget()


def test_no_discards_it(window, earlier_session, monkeypatch):
    answer(monkeypatch, QMessageBox.No)
    assert not window.offer_untitled_recovery()
    assert not earlier_session.exists()
    assert window.document.project.blocks == [] and not window.document.modified


def test_old_or_absent_autosaves_are_not_offered(window, earlier_session, monkeypatch):
    asked = answer(monkeypatch, QMessageBox.Yes)
    week_ago = time.time() - 8 * 24 * 3600
    os.utime(earlier_session, (week_ago, week_ago))
    assert not window.offer_untitled_recovery()
    earlier_session.unlink()
    assert not window.offer_untitled_recovery()
    assert asked == [] and window.document.project.blocks == []


def test_a_project_argument_skips_the_offer(window, earlier_session, monkeypatch, tmp_path):
    from editor_conftest_helpers import make_project_file

    asked = answer(monkeypatch, QMessageBox.Yes)
    open_at_start(window, [str(make_project_file(tmp_path))])
    assert asked == [] and earlier_session.exists() and len(window.document.project.blocks) == 4
