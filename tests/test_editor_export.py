"""Export (issue 13): the dialog only collects the choices (range, size/quality presets, burned
lyrics) and shows the whole estimate; the export then runs in the background with a progress
line in the main window's status bar, the window stays usable and edits do not reach the export."""

from __future__ import annotations

import pytest

from dreamreel.core.commands import set_text
from dreamreel.core.export import probe
from dreamreel.core.project import AudioRef, Block, Project, RenderSettings, project_to_dict, save_project
from dreamreel.editor.dialogs.export_dialog import ExportDialog, preset_size
from editor_conftest_helpers import close_window, make_project_file, open_window
from audio_synth import click_track, write_wav

WAIT = 180_000


@pytest.fixture
def project(tmp_path) -> Project:
    samples, _ = click_track(120, 2.0, 8000)
    wav = write_wav(tmp_path / "song.wav", samples, 8000)
    blocks = [Block("red sunset", 0, 1000, id="a"), Block("blue ocean", 1000, 2000, id="b")]
    render = RenderSettings(width=32, height=32, fps=4, keyframes_per_second=1.0)
    render.update_engine("draft", iterations_first=3, iterations=2)
    p = Project(blocks=blocks, render=render, audio=AudioRef(path=str(wav), duration_ms=2000, sample_rate=8000))
    save_project(p, tmp_path / "song.dreamreel")
    return p


@pytest.fixture(autouse=True)
def _estimates_done(qtbot):
    """No estimate of a closed dialog still runs when the next test starts."""
    yield
    from dreamreel.editor.dialogs import export_dialog

    for background in export_dialog._ESTIMATOR:
        qtbot.waitUntil(lambda: not background.busy(), timeout=WAIT)


@pytest.fixture
def window(qtbot, tmp_path):
    w = open_window(qtbot, make_project_file(tmp_path), render=True)
    engine = w.settings_panel.widgets["engine"]
    engine.setCurrentIndex(engine.findData("draft"))  # the example asks for VQGAN+CLIP
    yield w
    close_window(w)


def settled(qtbot, dlg):
    qtbot.waitUntil(lambda: not dlg.estimate_pending(), timeout=WAIT)
    return dlg.estimate()


def test_size_presets_keep_the_aspect_ratio():
    assert preset_size(640, 360, "720p") == (1280, 720)
    assert preset_size(256, 256, "1080p") == (1080, 1080)
    assert preset_size(360, 640, "720p") == (720, 1280)
    assert preset_size(500, 300, "As project") == (500, 300)


def test_dialog_collects_choices_and_shows_the_whole_estimate(qtbot, project, tmp_path, monkeypatch):
    dlg = ExportDialog(project, selection=(1000, 2000))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert dlg.output_path().name == "song.mp4" and dlg.engine_name() == "draft"
    assert dlg.t_range() == (1.0, 2.0)  # a selection: the range starts as the selection
    text = settled(qtbot, dlg)
    assert "keyframes to make" in text and "4 frames at 32×32" in text and "1.00–2.00 s" in text
    label = dlg._estimate
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))  # every line shown
    assert label.geometry().right() <= dlg.width()
    dlg.set_range("Whole song")
    assert dlg.t_range() is None and "8 frames" in settled(qtbot, dlg)
    dlg.set_size("720p")
    request = dlg.request()
    assert (request.settings.width, request.settings.height) == (720, 720)
    assert "at 720×720" in settled(qtbot, dlg)
    dlg._quality.setCurrentIndex(dlg._quality.findData(14))
    assert dlg.request().crf == 14
    dlg.set_range("In–out")
    dlg._t0.setValue(1.5)
    dlg._t1.setValue(0.5)
    assert "is empty" in dlg.estimate()
    dlg._t1.setValue(2.0)
    assert dlg.request().t_range == (1.5, 2.0)
    dlg._engine.setCurrentIndex(dlg._engine.findData("vqgan-clip"))  # no weights on disk
    text = settled(qtbot, dlg)
    assert text.startswith("Cannot export with VQGAN+CLIP") and "dreamreel models download" in text
    assert "Or choose Draft" in text
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))
    assert project.render.width == 32  # choosing changed nothing in the project


def test_dialog_refuses_bad_choices_in_plain_words(qtbot, project, tmp_path):
    dlg = ExportDialog(project)
    qtbot.addWidget(dlg)
    asked = []
    dlg.exportRequested.connect(asked.append)
    dlg._path_edit.setText(str(tmp_path / "missing-folder" / "x.mp4"))
    dlg.request_export()
    assert "does not exist" in dlg.error() and not asked
    dlg._path_edit.setText(str(tmp_path / "x.avi"))
    dlg.request_export()
    assert "ending in .mp4" in dlg.error() and not asked
    dlg.set_size("Custom")
    dlg._width.setValue(33)
    dlg._path_edit.setText(str(tmp_path / "x.mp4"))
    dlg.request_export()
    assert dlg.error().startswith("Cannot export: width/height") and not asked


def test_export_in_the_background_while_the_user_edits(qtbot, window, tmp_path):
    """Export the selection's range from the window: the dialog closes at once, the status bar
    shows the progress with Cancel, an edit made meanwhile neither reaches the video nor is
    touched by the export, and the MP4 has the range's duration."""
    doc, rc = window.document, window.render_controller
    doc.select(["two"])  # 6-9 s of the example
    window.actions["export_video"].trigger()
    dlg = window._export_dialog
    assert dlg.t_range() == (6.0, 9.0)
    out = tmp_path / "videos" / "two.mp4"
    out.parent.mkdir()
    dlg._path_edit.setText(str(out))
    dlg._quality.setCurrentIndex(dlg._quality.findData(26))
    before = project_to_dict(doc.project)
    with qtbot.waitSignal(rc.exported, timeout=WAIT) as exported:
        dlg._export_btn.click()
        assert not dlg.isVisible()  # the dialog only collected the choices
        assert rc.is_exporting() and window.export_progress.isVisible()
        assert window.export_progress.cancel_button.isVisible()
        assert not window.actions["render_all"].isEnabled()  # one engine at a time
        # The window stays usable: an edit while the export runs.
        assert window.run(set_text(doc.project, "two", "Two waves of fire"))
        before["blocks"][1]["text"] = "Two waves of fire"
    assert exported.args[0] == str(out)
    qtbot.waitUntil(lambda: not rc.is_busy(), timeout=WAIT)
    info = probe(out)
    assert info.duration_s == pytest.approx(3.0, abs=0.2) and (info.width, info.height) == (256, 256)
    assert info.has_audio
    assert [p.name for p in out.parent.iterdir()] == ["two.mp4"]
    assert project_to_dict(doc.project) == before  # the export changed nothing in the project
    assert doc.project.block("two").text == "Two waves of fire"
    assert window.export_progress.text() == f"Exported {out}"
    assert window.export_progress.open_button.isVisible()
    assert not window.export_progress.cancel_button.isVisible()
    assert window.actions["render_all"].isEnabled()
    # The keyframes the export made show in the lane without a render of this session: the
    # blocks before the edited one (its chain ancestors) read "cached"; the others did not render.
    qtbot.waitUntil(lambda: window.timeline.blocks.state_of("one")[0] == "cached", timeout=WAIT)
    assert window.timeline.blocks.state_of("four")[0] == "none"


def test_cancel_in_the_status_bar_leaves_no_video(qtbot, window, tmp_path):
    for name in ("iterations_first", "iterations"):  # long enough to still be running at Cancel
        window.settings_panel.engine_widgets[name].setValue(20000)
    rc = window.render_controller
    window.actions["export_video"].trigger()
    dlg = window._export_dialog
    out = tmp_path / "cancelled.mp4"
    dlg._path_edit.setText(str(out))
    dlg._export_btn.click()
    assert rc.is_exporting()
    with qtbot.waitSignal(rc.exportCancelled, timeout=WAIT):
        window.export_progress.cancel_button.click()
    qtbot.waitUntil(lambda: not rc.is_busy(), timeout=WAIT)
    assert not out.exists()
    assert window.export_progress.text().startswith("Export cancelled")
    assert window.actions["render_all"].isEnabled()


def test_a_failed_export_says_why_in_one_line(qtbot, window, tmp_path):
    rc = window.render_controller
    window.actions["export_video"].trigger()
    dlg = window._export_dialog
    dlg._path_edit.setText(str(tmp_path / "ai.mp4"))
    dlg._engine.setCurrentIndex(dlg._engine.findData("vqgan-clip"))  # no weights here
    with qtbot.waitSignal(rc.exportFailed, timeout=WAIT):
        dlg._export_btn.click()
    text = window.export_progress.text()
    assert text.startswith("Export failed:") and "Traceback" not in text and "\n" not in text
    assert not (tmp_path / "ai.mp4").exists()


def test_preview_and_closing_while_an_export_runs(qtbot, tmp_path, monkeypatch):
    """While an export runs, Preview says so instead of waiting forever, and closing the window
    asks before it stops the export (No keeps both; Yes stops it, no video is left)."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    w = open_window(qtbot, make_project_file(tmp_path), render=True)
    engine = w.settings_panel.widgets["engine"]
    engine.setCurrentIndex(engine.findData("draft"))
    for name in ("iterations_first", "iterations"):  # long enough to still be running
        w.settings_panel.engine_widgets[name].setValue(20000)
    w.document.stack.setClean()
    rc = w.render_controller
    w.actions["export_video"].trigger()
    out = tmp_path / "long.mp4"
    w._export_dialog._path_edit.setText(str(out))
    w._export_dialog._export_btn.click()
    assert rc.is_exporting()
    w.document.select(["one"])
    w.preview._button.click()
    assert "An export is running" in w.preview._label.text() and w.preview._button.isEnabled()
    answers = [QMessageBox.No, QMessageBox.Yes]
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: (asked.append(a[2]), answers.pop(0))[1])
    w.close()
    assert w.isVisible() and rc.is_exporting() and "An export is running" in asked[0]
    w.close()
    assert not w.isVisible() and not rc.is_busy() and len(asked) == 2
    w.deleteLater()
    QApplication.processEvents()
    assert not out.exists()
