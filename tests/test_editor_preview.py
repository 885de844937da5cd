"""PreviewPanel: cached keyframe at the playhead, the draft-look fallback, Preview selection."""

from __future__ import annotations

import pytest

from dreamreel.core.engine.states import plan_states
from dreamreel.core.engine.schedule import plan_keyframes
from dreamreel.core.project import Block, Project, RenderSettings, save_project
from dreamreel.editor.playback import Player
from dreamreel.editor.panels.preview_panel import PreviewPanel
from dreamreel.editor.render.render_controller import RenderController

WAIT = 120_000


@pytest.fixture
def project(tmp_path) -> Project:
    blocks = [Block("red sunset", 0, 1000, id="a"), Block("blue ocean", 1000, 2000, id="b")]
    render = RenderSettings(width=32, height=32, fps=4, keyframes_per_second=2.0)
    render.update_engine("draft", iterations_first=3, iterations=2)
    p = Project(blocks=blocks, render=render)
    save_project(p, tmp_path / "p.dreamreel")
    return p


@pytest.fixture
def controller(qtbot, project):
    c = RenderController()
    c.set_project(project)
    yield c
    c.shutdown()


def test_empty_and_unrendered(qtbot, project, controller):
    panel = PreviewPanel(controller=controller)
    qtbot.addWidget(panel)
    panel.show_time(0)
    assert panel._label.text() == "No project"
    panel.set_project(project)
    panel.show_time(1500)
    assert panel.current_image_key() is None
    # The plan (and the engine import) come from the controller's worker, never this thread:
    # until they are in, the panel shows just the words; then the draft look, decoded live.
    qtbot.waitUntil(panel._view.has_image, timeout=WAIT)
    assert "blue ocean" in panel._label.text() and "not rendered" in panel._label.text()


def test_shows_cached_keyframe_at_playhead(qtbot, project, controller):
    with qtbot.waitSignal(controller.finished, timeout=WAIT):
        controller.start(project, engine="draft")
    panel = PreviewPanel(controller=controller)
    qtbot.addWidget(panel)
    panel.set_project(project)
    qtbot.waitUntil(lambda: controller.plan("draft") is not None and not controller.states_pending(), timeout=WAIT)
    plan = plan_keyframes(project, controller.identity(project, "draft"))
    panel.show_time(1600)  # keyframes of block b at 1000 and 1500 ms: shows the one at 1500
    assert panel.current_image_key() == plan[3].key
    assert "blue ocean" in panel._label.text() and "keyframe 2" in panel._label.text()
    assert panel._view.has_image()
    panel.show_time(1250)  # between two cached keyframes of one block: cross-fade, key of the first
    assert panel.current_image_key() == plan[2].key
    panel.resize(200, 150)
    panel.grab()  # paints (scaled, cross-faded) without complaint
    # The controller's thumbnail is the same preview PNG core names.
    expected = plan_states(project, controller.identity(project, "draft"), controller._cache()).previews["b"]
    assert controller.thumbnail_path("b") == str(expected)


def test_preview_selection_renders_and_plays(qtbot, project, controller):
    player = Player(use_audio=False)
    player.set_duration_ms(2000)
    panel = PreviewPanel(controller=controller, player=player)
    qtbot.addWidget(panel)
    panel.set_project(project)
    panel.set_selection(1000, 1400)
    with qtbot.waitSignal(panel.previewRequested, timeout=1000) as requested:
        with qtbot.waitSignal(player.stateChanged, timeout=WAIT, check_params_cb=lambda playing: playing):
            panel._button.click()
    assert requested.args == [1000, 1400]
    # The range plays to its end, the panel following the playhead.
    with qtbot.waitSignal(player.stateChanged, timeout=WAIT, check_params_cb=lambda playing: not playing):
        pass
    assert player.position_ms() == 1400
    plan = plan_keyframes(project, controller.identity(project, "draft"))
    assert panel.current_image_key() == plan[2].key  # 1000 <= t < 1500
    qtbot.waitUntil(lambda: not controller.states_pending(), timeout=WAIT)
    assert controller.current_states()["b"][0] == "cached"


def test_preview_without_selection_uses_block_at_playhead(qtbot, project):
    panel = PreviewPanel()
    qtbot.addWidget(panel)
    panel.set_project(project)
    panel.show_time(400)
    with qtbot.waitSignal(panel.previewRequested, timeout=1000) as requested:
        panel._button.click()
    assert requested.args == [0, 1000]


def test_draft_look_decodes_once_per_keyframe_not_per_tick(qtbot, project, monkeypatch):
    from dreamreel.core.engine.draft import DraftEngine

    decodes = []
    original = DraftEngine.decode
    monkeypatch.setattr(DraftEngine, "decode", lambda self, z: decodes.append(1) or original(self, z))
    panel = PreviewPanel()  # no controller: plans on this thread, decodes the draft look live
    qtbot.addWidget(panel)
    panel.set_project(project)
    for ms in (0, 100, 200, 300, 400):  # the playhead ticking inside keyframe a#0 (0-500 ms)
        panel.show_time(ms)
    assert panel._view.has_image() and len(decodes) == 1
    panel.show_time(1200)  # block b: another keyframe, another picture
    assert len(decodes) == 2 and "blue ocean" in panel._label.text()


def test_preview_label_time_rounds_into_the_next_minute(qtbot, tmp_path):
    p = Project(blocks=[Block("long night", 0, 61_000, id="n")], render=RenderSettings(width=32, height=32))
    save_project(p, tmp_path / "long.dreamreel")
    panel = PreviewPanel()
    qtbot.addWidget(panel)
    panel.set_project(p)
    panel.show_time(59_960)
    assert panel._label.text().startswith("01:00.0 · long night")  # was "0:60.0"
