"""The main window with its render controller: Render selection on the draft engine paints
block states and first-keyframe thumbnails in the lane; an edit turns the block stale."""

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from dreamreel.core.project import load_project, save_project
from editor_conftest_helpers import EXAMPLES, close_window, make_project_file, open_window
from fake_engine_plugin import fake_engine  # noqa: F401 - a fixture

DOCS_PNG = Path(__file__).resolve().parent.parent / "docs" / "editor.png"

WAIT = 120_000  # generous: two shared cores; the states worker imports torch the first time


@pytest.fixture
def window(qtbot, tmp_path):
    w = open_window(qtbot, make_project_file(tmp_path), render=True)
    yield w
    close_window(w)


def state(window, block_id):
    return window.timeline.blocks.state_of(block_id)[0]


def test_render_selection_colours_the_block_and_edit_makes_it_stale(qtbot, window):
    rc, actions = window.render_controller, window.actions
    assert actions["render_all"].isEnabled()
    assert not actions["render_selection"].isEnabled()  # nothing selected yet
    assert not actions["render_cancel"].isEnabled()
    engine = window.settings_panel.widgets["engine"]
    engine.setCurrentIndex(engine.findData("draft"))  # the example asks for VQGAN+CLIP
    assert window.document.project.render.engine == "draft"
    window.document.select(["one"])
    assert actions["render_selection"].isEnabled()
    with qtbot.waitSignal(rc.finished, timeout=WAIT):
        actions["render_selection"].trigger()
        assert actions["render_cancel"].isEnabled()
        assert not actions["render_selection"].isEnabled() and not actions["render_all"].isEnabled()
    assert not actions["render_cancel"].isEnabled() and actions["render_all"].isEnabled()
    qtbot.waitUntil(lambda: state(window, "one") == "cached", timeout=WAIT)
    assert state(window, "four") == "none"  # outside the range
    assert rc.thumbnail_path("one") is not None
    window.timeline.vb.setXRange(0, 10, padding=0)  # block "one" wide enough for its picture
    window.timeline.plot.grab()  # paints the lane
    assert "one" in window.timeline.blocks.thumbnails_painted

    window.inspector.text.setText("One lighthouse in flames")
    window.inspector.text.editingFinished.emit()
    qtbot.waitUntil(lambda: state(window, "one") == "stale", timeout=WAIT)
    window.timeline.plot.grab()
    assert "one" not in window.timeline.blocks.thumbnails_painted  # no picture from before the edit
    QApplication.processEvents()


def test_cancel_action_stops_a_render(qtbot, window):
    rc, actions = window.render_controller, window.actions
    engine = window.settings_panel.widgets["engine"]
    engine.setCurrentIndex(engine.findData("draft"))
    for name in ("iterations_first", "iterations"):  # long enough to still be running at Cancel
        window.settings_panel.engine_widgets[name].setValue(20000)
    with qtbot.waitSignal(rc.runningChanged, timeout=WAIT):
        actions["render_all"].trigger()
    with qtbot.waitSignal(rc.cancelled, timeout=WAIT):
        actions["render_cancel"].trigger()
    qtbot.waitUntil(lambda: actions["render_all"].isEnabled(), timeout=WAIT)
    assert window.render_label.text() == "Render cancelled"


@pytest.mark.skipif(not os.environ.get("DREAMREEL_UPDATE_SCREENSHOT"), reason="regenerates docs/editor.png")
def test_update_docs_screenshot(qtbot, tmp_path):
    """docs/editor.png: the bundled example after a draft render of its first blocks."""
    for item in EXAMPLES.iterdir():
        if item.is_file():
            shutil.copy(item, tmp_path / item.name)
    project = load_project(tmp_path / "example.dreamreel")
    project.render.engine = "draft"  # no model weights needed for the picture
    save_project(project, tmp_path / "example.dreamreel")
    w = open_window(qtbot, tmp_path / "example.dreamreel", render=True)
    try:
        blocks = w.document.project.blocks
        w.document.select([b.id for b in blocks[:5]])
        with qtbot.waitSignal(w.render_controller.finished, timeout=WAIT):
            w.actions["render_selection"].trigger()
        qtbot.waitUntil(lambda: state(w, blocks[4].id) == "cached", timeout=WAIT)
        w.document.select([blocks[3].id])
        w.seek(16_500)
        w.timeline.vb.setXRange(0, 26, padding=0)
        qtbot.wait(300)  # let the preview and the lane settle (timers, not a processEvents loop)
        DOCS_PNG.parent.mkdir(exist_ok=True)
        assert w.grab().save(str(DOCS_PNG))
    finally:
        close_window(w)


def test_a_plugin_engine_gets_its_form_and_renders_from_the_window(qtbot, tmp_path, fake_engine):
    """A third engine found through its entry point: the settings panel builds its form from
    its settings dataclass, and Render all runs it (in a worker process, as it asks)."""
    w = open_window(qtbot, make_project_file(tmp_path), render=True)
    try:
        panel = w.settings_panel
        engine = panel.widgets["engine"]
        engine.setCurrentIndex(engine.findData("fake"))
        assert w.document.project.render.engine == "fake"
        assert set(panel.engine_widgets) == {"iterations_first", "iterations", "lightness"}
        lightness = panel.engine_widgets["lightness"]
        assert lightness.toolTip() == "how light the grey is" and lightness.maximum() == 1.0
        lightness.setValue(0.7)
        assert w.document.project.render.engine_settings().lightness == 0.7
        qtbot.waitUntil(lambda: not panel.missing_pending(), timeout=WAIT)
        assert panel.model_state.text().startswith("Ready")
        with qtbot.waitSignal(w.render_controller.finished, timeout=WAIT):
            w.actions["render_all"].trigger()
        qtbot.waitUntil(lambda: all(state(w, b) == "cached" for b in ("one", "two", "three", "four")), timeout=WAIT)
        assert w.save()
    finally:
        close_window(w)
    # After a restart the engine's identity comes from the registry (no job, no model load):
    # the blocks read "cached" from the first states, not "not rendered".
    w = open_window(qtbot, tmp_path / "example.dreamreel", render=True)
    try:
        assert w.document.project.render.engine == "fake" and not w.render_controller.is_running()
        qtbot.waitUntil(lambda: all(state(w, b) == "cached" for b in ("one", "two", "three", "four")), timeout=WAIT)
        assert not w.render_controller.is_running()
    finally:
        close_window(w)


def test_a_render_and_an_export_never_run_at_once(qtbot, window, tmp_path):
    """One engine at a time: Export is refused while a render runs, and Render while an export
    runs (each would load its own model copy); both work again once the other has ended."""
    rc, actions = window.render_controller, window.actions
    engine = window.settings_panel.widgets["engine"]
    engine.setCurrentIndex(engine.findData("draft"))
    for name in ("iterations_first", "iterations"):  # long enough to still be running
        window.settings_panel.engine_widgets[name].setValue(20000)
    with qtbot.waitSignal(rc.runningChanged, timeout=WAIT):
        actions["render_all"].trigger()
    actions["export_video"].trigger()
    dlg = window._export_dialog
    dlg._path_edit.setText(str(tmp_path / "out.mp4"))
    dlg._export_btn.click()
    assert not rc.is_exporting() and "A render is running" in dlg.error() and dlg.isVisible()
    with qtbot.waitSignal(rc.cancelled, timeout=WAIT):
        actions["render_cancel"].trigger()
    qtbot.waitUntil(lambda: not rc.is_running(), timeout=WAIT)

    dlg._export_btn.click()
    assert rc.is_exporting() and not dlg.isVisible()
    assert not actions["render_all"].isEnabled()
    errors = []
    window.show_error = errors.append
    window.render_all()  # the slot itself, as a shortcut would reach it
    assert not rc.is_running() and errors and "An export is running" in errors[0]
    with qtbot.waitSignal(rc.exportCancelled, timeout=WAIT):
        window.export_progress.cancel_button.click()
    qtbot.waitUntil(lambda: not rc.is_busy(), timeout=WAIT)
    assert actions["render_all"].isEnabled()
