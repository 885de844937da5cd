"""The editor renders the bundled example with the Stable Diffusion engine (issue 12: "from the
CLI and the editor"): the full MainWindow on a copy of the example, the engine switched to sd in
the settings panel with a tiny random-weight model folder in its Model field, Render selection
through the real worker process; the blocks read cached, the preview shows an SD keyframe."""

from __future__ import annotations

import shutil

import pytest

from dreamreel.core.project import load_project, save_project
from editor_conftest_helpers import EXAMPLES, close_window, open_window
from tiny_sd import make_tiny_sd

WAIT = 600_000  # two shared cores; the worker imports torch, diffusers and transformers


@pytest.fixture
def example(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path / "models"))  # no RIFE, no other models
    monkeypatch.delenv("DREAMREEL_SD_MODEL", raising=False)
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    path = tmp_path / "ex" / "example.dreamreel"
    project = load_project(path)
    project.render.width = project.render.height = 32  # the tiny model's size; few keyframes
    project.render.fps = 4
    save_project(project, path)
    return path


def test_render_selection_with_engine_sd_fills_the_cache_and_the_preview(qtbot, example, tmp_path):
    tiny = make_tiny_sd(tmp_path / "tiny-sd")
    w = open_window(qtbot, example, render=True)
    try:
        panel, rc, doc = w.settings_panel, w.render_controller, w.document
        engine = panel.widgets["engine"]
        engine.setCurrentIndex(engine.findData("sd"))
        assert doc.project.render.engine == "sd"
        model = panel.engine_widgets["sd_model"]
        model.setText(str(tiny))
        model.editingFinished.emit()
        assert doc.project.render.engine_settings().sd_model == str(tiny)
        qtbot.waitUntil(lambda: not panel.missing_pending(), timeout=WAIT)
        assert panel.model_state.text().startswith("Ready"), panel.model_state.text()

        errors = []
        rc.failed.connect(errors.append)
        first, second = doc.project.blocks[:2]
        doc.select([first.id, second.id])
        with qtbot.waitSignal(rc.finished, timeout=WAIT):
            w.actions["render_selection"].trigger()
            qtbot.waitUntil(lambda: rc.is_running() or bool(errors), timeout=WAIT)  # past the weights check
        assert not errors
        assert w.render_label.text() == "Render finished"
        qtbot.waitUntil(lambda: not rc.states_pending(), timeout=WAIT)
        for block in (first, second):
            qtbot.waitUntil(lambda b=block: w.timeline.blocks.state_of(b.id)[0] == "cached", timeout=WAIT)
        assert rc.plan("sd")  # the worker's own plan (SD keys) is in
        assert rc.thumbnail_path(first.id) is not None

        w.seek(first.start_ms + 10)
        qtbot.waitUntil(lambda: w.preview.current_image_key() is not None, timeout=WAIT)
        assert w.preview._view.has_image()
        assert w.preview.current_image_key() in {k for _, k, bid, _ in rc.plan("sd") if bid == first.id}
        assert "keyframe" in w.preview._label.text() and "(" not in w.preview._label.text()  # sd's own, not draft's
        assert not w.statusBar().currentMessage().lower().startswith(("render failed", "cannot", "error"))
    finally:
        close_window(w)


def test_export_with_sd_and_no_rife_weights_says_so_in_the_status_bar(qtbot, example, tmp_path):
    """In-betweens 'auto' on SD means RIFE; without its weights the export blends instead and
    the CLI says so in one line on stderr. The editor's export runs in the worker process, whose
    stderr is no one's screen: the line comes back as a "note" event and the status bar's export
    line shows it next to the result (fails without the note event)."""
    tiny = make_tiny_sd(tmp_path / "tiny-sd")
    project = load_project(example)
    project.render.engine = "sd"
    project.render.engine_settings().sd_model = str(tiny)
    save_project(project, example)
    w = open_window(qtbot, example, render=True)
    try:
        rc = w.render_controller
        w.document.select([w.document.project.blocks[0].id])  # a short range: the first block
        w.actions["export_video"].trigger()
        dlg = w._export_dialog
        assert dlg._interp.currentText() == "auto"
        out = tmp_path / "out.mp4"
        dlg._path_edit.setText(str(out))
        notes = []
        rc.exportNote.connect(notes.append)
        with qtbot.waitSignal(rc.exported, timeout=WAIT):
            dlg._export_btn.click()
        assert out.is_file()
        assert len(notes) == 1, notes
        line = notes[0]
        assert "RIFE weights not found" in line and "`dreamreel models download rife`" in line, line
        text = w.export_progress.text()
        assert text.startswith(f"Exported {out} (RIFE weights not found"), text
    finally:
        close_window(w)
