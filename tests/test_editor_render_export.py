"""Export through the editor's one render runner (`RenderController.start_export`): the draft in
a thread, a worker-process engine in the killable process; a range, a size of its own; Cancel
ends it within a second even while the model loads, and no MP4 (nor temp file) is left."""

from __future__ import annotations

import copy
import time

import pytest

from dreamreel.core.export import probe
from dreamreel.core.project import AudioRef, Block, Project, RenderSettings, save_project
from dreamreel.editor.render.render_controller import RenderController
from dreamreel.editor.render.render_jobs import ProcessJob, ThreadJob
from audio_synth import click_track, write_wav
from fake_engine_plugin import fake_engine  # noqa: F401 - a fixture

WAIT = 180_000


@pytest.fixture
def project(tmp_path) -> Project:
    samples, _ = click_track(120, 4.0, 8000)
    wav = write_wav(tmp_path / "song.wav", samples, 8000)
    blocks = [Block("red sunset", 0, 2000, id="a"), Block("blue ocean", 2000, 4000, id="b")]
    render = RenderSettings(width=32, height=32, fps=4, keyframes_per_second=1.0)
    for name in render.engines:
        render.update_engine(name, iterations_first=3, iterations=2)
    p = Project(blocks=blocks, render=render, audio=AudioRef(path=str(wav), duration_ms=4000, sample_rate=8000))
    save_project(p, tmp_path / "song.dreamreel")
    return p


@pytest.fixture
def controller(qtbot):
    c = RenderController()
    yield c
    c.shutdown()


def test_draft_export_of_a_range_in_a_thread(qtbot, controller, project, tmp_path):
    controller.set_project(project)
    out = tmp_path / "out" / "range.mp4"
    out.parent.mkdir()
    settings = copy.deepcopy(project.render)
    settings.width, settings.height = 48, 32
    progress = []
    controller.exportProgress.connect(lambda d, t, m: progress.append(m))
    with qtbot.waitSignal(controller.exported, timeout=WAIT) as exported:
        assert controller.start_export(project, out, settings=settings, t_range=(1.0, 3.0), burn_lyrics=True, crf=30)
        assert isinstance(controller._job, ThreadJob) and controller.is_exporting() and not controller.is_running()
        assert not controller.start(project)  # one job at a time
    assert exported.args[0] == str(out)
    qtbot.waitUntil(lambda: not controller.is_busy(), timeout=WAIT)
    info = probe(out)
    assert abs(info.duration_s - 2.0) < 0.3 and (info.width, info.height) == (48, 32) and info.has_audio
    assert any(m.startswith("keyframe") for m in progress) and "encoding" in progress
    assert [p.name for p in out.parent.iterdir()] == ["range.mp4"]  # no temp leftovers
    assert project.render.width == 32  # the export's size was its own


def test_worker_process_export_and_cancel_during_model_loading(qtbot, controller, project, tmp_path,
                                                               fake_engine, monkeypatch):
    project.render.engine = "fake"
    controller.set_project(project)
    out = tmp_path / "fake.mp4"
    with qtbot.waitSignal(controller.exported, timeout=WAIT):
        assert controller.start_export(project, out)
        assert isinstance(controller._job, ProcessJob)
    qtbot.waitUntil(lambda: not controller.is_busy(), timeout=WAIT)
    assert probe(out).duration_s == pytest.approx(4.0, abs=0.3)

    # A model load of a minute: Cancel still ends the export within a second.
    mark = tmp_path / "loading"
    monkeypatch.setenv("DREAMREEL_FAKE_LOAD_SLEEP", "60")
    monkeypatch.setenv("DREAMREEL_FAKE_LOAD_MARK", str(mark))
    out2 = tmp_path / "out2" / "slow.mp4"
    out2.parent.mkdir()
    assert controller.start_export(project, out2)
    qtbot.waitUntil(mark.exists, timeout=WAIT)  # the worker is loading the model now
    t0 = time.monotonic()
    with qtbot.waitSignal(controller.exportCancelled, timeout=WAIT):
        controller.cancel_export()
    assert time.monotonic() - t0 < 1.0
    assert not controller.is_busy()
    assert list(out2.parent.iterdir()) == []


def test_cancel_while_encoding_leaves_no_mp4(qtbot, controller, project, tmp_path, fake_engine):
    """Killed in the middle of writing the video: no file under the output name, and the
    killed writer's temp file is swept away."""
    project.render.engine = "fake"
    controller.set_project(project)
    big = copy.deepcopy(project.render)
    big.width, big.height, big.fps = 640, 360, 60  # 240 frames: seconds of encoding
    out = tmp_path / "out" / "killed.mp4"
    out.parent.mkdir()
    frames = []
    controller.exportProgress.connect(lambda d, t, m: frames.append(m))
    assert controller.start_export(project, out, settings=big)
    qtbot.waitUntil(lambda: "encoding" in frames, timeout=WAIT)
    with qtbot.waitSignal(controller.exportCancelled, timeout=WAIT):
        controller.cancel_export()
    assert list(out.parent.iterdir()) == []


def test_export_failure_is_one_plain_line(qtbot, controller, project, tmp_path):
    project.render.engine = "vqgan-clip"  # no weights here
    controller.set_project(project)
    with qtbot.waitSignal(controller.exportFailed, timeout=WAIT) as failed:
        assert controller.start_export(project, tmp_path / "ai.mp4")
    message = failed.args[0]
    assert "Traceback" not in message and "\n" not in message
    assert not (tmp_path / "ai.mp4").exists() and not controller.is_busy()


def _frame(path, index: int):
    import imageio_ffmpeg
    import numpy as np

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    w, h = meta["size"]
    try:
        for i, raw in enumerate(reader):
            if i == index:
                return np.frombuffer(raw, np.uint8).reshape(h, w, 3)
    finally:
        reader.close()
    raise AssertionError(f"{path}: no frame {index}")


def test_the_editors_export_and_the_clis_render_make_the_same_picture(qtbot, controller, project, tmp_path):
    """One render path: the same project exported from the editor and rendered with
    `dreamreel render -o` (its own keyframe cache) decodes to the same frame."""
    import numpy as np
    from cli_helpers import dreamreel

    project.render.burn_lyrics = True
    save_project(project, tmp_path / "song.dreamreel")
    controller.set_project(project)
    editor_mp4, cli_mp4 = tmp_path / "editor.mp4", tmp_path / "cli.mp4"
    with qtbot.waitSignal(controller.exported, timeout=WAIT):
        assert controller.start_export(project, editor_mp4)
    qtbot.waitUntil(lambda: not controller.is_busy(), timeout=WAIT)
    r = dreamreel("render", tmp_path / "song.dreamreel", "-o", cli_mp4, "--cache", tmp_path / "cli-cache", "--quiet")
    assert r.returncode == 0, r.stderr
    assert probe(cli_mp4).duration_s == pytest.approx(probe(editor_mp4).duration_s, abs=0.05)
    for index in (1, 10):
        a, b = _frame(editor_mp4, index).astype(int), _frame(cli_mp4, index).astype(int)
        assert a.shape == b.shape == (32, 32, 3)
        assert np.abs(a - b).max() <= 2, index
