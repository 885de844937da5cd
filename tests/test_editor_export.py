"""ExportDialog: a real export to MP4 (tiny, low fps, short synthesised song), cancel, errors."""

from __future__ import annotations

import subprocess

import pytest

from dreamreel.core.project import AudioRef, Block, Project, RenderSettings, save_project
from dreamreel.editor.dialogs.export_dialog import ExportDialog
from dreamreel.editor.render.render_controller import RenderController
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


def ffmpeg_streams(path) -> str:
    import imageio_ffmpeg

    r = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                       capture_output=True, text=True)
    return r.stderr


def test_dialog_shows_settings_and_estimate(qtbot, project, tmp_path, monkeypatch):
    dlg = ExportDialog(project)
    qtbot.addWidget(dlg)
    assert dlg.output_path().name == "song.mp4"
    assert dlg.engine_name() == "draft"
    settled = lambda: qtbot.waitUntil(lambda: not dlg.estimate_pending(), timeout=WAIT)  # noqa: E731
    settled()
    assert "keyframes" in dlg._estimate.text() and "8 frames" in dlg._estimate.text()
    dlg._engine.setCurrentIndex(dlg._engine.findData("vqgan-clip"))  # no weights on disk yet
    settled()
    text = dlg._estimate.text()
    assert text.startswith("Cannot export with VQGAN+CLIP") and "dreamreel models download" in text
    assert "Or choose Draft" in text
    from tiny_models import make_tiny_models

    paths = make_tiny_models(tmp_path / "models")
    monkeypatch.setenv("DREAMREEL_VQGAN_CONFIG", str(paths["vqgan_config"]))
    monkeypatch.setenv("DREAMREEL_VQGAN_CKPT", str(paths["vqgan_ckpt"]))
    monkeypatch.setenv("DREAMREEL_CLIP_CKPT", str(paths["clip_ckpt"]))
    project.render.update_engine("vqgan-clip", clip_model=str(paths["clip_config"]), clip_pretrained="")
    dlg._on_settings_changed()  # what any settings change does: estimate again
    settled()
    assert "iterations" in dlg._estimate.text()
    dlg._width.setValue(33)
    assert dlg._estimate.text().startswith("Cannot export")


def test_export_to_mp4_with_video_and_audio(qtbot, project, tmp_path):
    controller = RenderController()
    controller.set_project(project)
    dlg = ExportDialog(project, controller=controller)
    qtbot.addWidget(dlg)
    out = tmp_path / "out" / "video.mp4"
    out.parent.mkdir()
    dlg._path_edit.setText(str(out))
    dlg._width.setValue(48)
    dlg._fps.setValue(6)
    dlg._burn.setChecked(True)
    with qtbot.waitSignal(dlg.exported, timeout=WAIT) as exported:
        dlg.start_export()
        assert dlg.is_running()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=WAIT)
    assert exported.args == [str(out)]
    assert out.exists() and out.stat().st_size > 0
    assert [p.name for p in out.parent.iterdir()] == ["video.mp4"]  # no temp leftovers
    info = ffmpeg_streams(out)
    assert "Video: h264" in info and "48x32" in info
    assert "Audio: aac" in info
    assert dlg._open_btn.isVisibleTo(dlg) and dlg._open_btn.isEnabled()
    assert dlg._error.isHidden()
    # The export's size differs from the project's: the project itself is unchanged.
    assert project.render.width == 32 and project.render.fps == 4
    controller.shutdown()


def test_cancel_export_leaves_no_file(qtbot, project, tmp_path):
    project.render.keyframes_per_second = 4.0
    project.render.update_engine("draft", iterations=400, iterations_first=400)
    dlg = ExportDialog(project)
    qtbot.addWidget(dlg)
    out = tmp_path / "cancelled.mp4"
    dlg._path_edit.setText(str(out))
    dlg._fps.setValue(4)
    dlg.start_export()
    with qtbot.waitSignal(dlg._controller.exportCancelled, timeout=WAIT):
        dlg._on_cancel_clicked()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=WAIT)
    assert not out.exists()
    assert "Cancelled" in dlg._status.text()
    assert dlg._cancel_btn.text() == "Close"


def test_errors_are_shown_in_plain_words(qtbot, project, tmp_path):
    dlg = ExportDialog(project)
    qtbot.addWidget(dlg)
    dlg._path_edit.setText(str(tmp_path / "missing-folder" / "x.mp4"))
    dlg.start_export()
    assert not dlg.is_running()
    assert "does not exist" in dlg._error.text()
    # The AI engine without weights: the job fails and the dialog says what to do.
    dlg._path_edit.setText(str(tmp_path / "ai.mp4"))
    dlg._engine.setCurrentIndex(dlg._engine.findData("vqgan-clip"))
    dlg.start_export()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=WAIT)
    assert not dlg._error.isHidden()
    text = dlg._error.text()
    assert text.startswith("Export failed:") and "Traceback" not in text
    assert not (tmp_path / "ai.mp4").exists()
