"""The editor names a missing or changed song in a banner over the full MainWindow, and its
"Locate song…" action relinks the project (undoable SetAudio)."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog

from audio_synth import click_track, write_wav
from editor_conftest_helpers import close_window, make_project_file, open_window


def _song(path, seconds):
    samples, _ = click_track(100.0, seconds, 22050)
    write_wav(path, samples, 22050)
    return path


def _settled(qtbot, window):
    qtbot.waitUntil(lambda: window.song_banner.state != "pending", timeout=60000)
    return window.song_banner


def test_banner_names_a_changed_song_and_locate_song_relinks(qtbot, tmp_path, monkeypatch):
    path = make_project_file(tmp_path)
    _song(tmp_path / "song.ogg", 20.0)  # another, shorter mix under the project's song name
    window = open_window(qtbot, path)
    try:
        banner = _settled(qtbot, window)
        assert banner.state == "changed" and banner.isVisible()
        text = banner.label.text()
        assert "song.ogg changed since the project was saved" in text and "-> 20.00 s" in text
        assert "'Four golden sail'" in text  # the block now past the song's end
        new = _song(tmp_path / "remaster.wav", 30.0)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(new), ""))
        banner.button.click()  # "Locate song…"
        qtbot.waitUntil(lambda: window.document.project.audio_path() == new, timeout=60000)
        banner = _settled(qtbot, window)
        assert banner.state == "ok" and not banner.isVisible()
        assert window.document.project.audio.duration_ms == 30000
        assert window.actions["locate_song"].text() == "&Locate song…"
    finally:
        close_window(window)


def test_banner_names_a_missing_song(qtbot, tmp_path):
    path = make_project_file(tmp_path)
    (tmp_path / "song.ogg").unlink()
    window = open_window(qtbot, path)
    try:
        banner = _settled(qtbot, window)
        assert banner.state == "missing" and banner.isVisible()
        assert "song.ogg is missing" in banner.label.text() and "Locate song" in banner.label.text()
    finally:
        close_window(window)
