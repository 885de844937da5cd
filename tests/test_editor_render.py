"""RenderController: draft renders in a worker thread, AI renders in a worker process,
live block states, cancel and shutdown."""

from __future__ import annotations

import time

import pytest

from dreamreel.core.commands import set_text
from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.project import Block, Project, RenderSettings, save_project
from dreamreel.editor.render import render_controller
from dreamreel.editor.render.render_controller import RenderController
from dreamreel.editor.render.render_jobs import ProcessJob, cache_dir_for
from fake_engine_plugin import fake_engine  # noqa: F401 - a fixture

WAIT = 120_000  # generous: two shared cores, torch imports in a child process


def make_project(tmp_path, *, seconds=3, kps=2.0, iterations=3) -> Project:
    n = seconds
    texts = ["red sunset", "blue ocean", "green forest", "purple night", "golden sun", "white snow"]
    blocks = [Block(texts[i % len(texts)], i * 1000, (i + 1) * 1000, id=f"b{i}") for i in range(n)]
    render = RenderSettings(width=32, height=32, fps=4, keyframes_per_second=kps)
    for name in render.engines:
        render.update_engine(name, iterations_first=iterations, iterations=iterations)
    project = Project(blocks=blocks, render=render, title="test")
    save_project(project, tmp_path / "song.dreamreel")
    return project


def settled(qtbot, controller) -> dict[str, tuple[str, float]]:
    """The states the timeline paints (`current_states`), once the states worker has caught up
    with every edit and render so far."""
    qtbot.waitUntil(lambda: not controller.states_pending(), timeout=WAIT)
    return controller.current_states()


@pytest.fixture
def controller(qtbot):
    c = RenderController()
    yield c
    c.shutdown()


def test_states_before_rendering(qtbot, controller, tmp_path):
    project = make_project(tmp_path)
    controller.set_project(project)
    states = settled(qtbot, controller)
    assert controller.plan("draft") is not None  # the worker did report
    assert set(states) == {"b0", "b1", "b2"}
    assert all(state == "none" for state, _ in states.values())
    assert controller.thumbnail_path("b0") is None
    assert not controller.is_running()


def test_draft_render_of_a_range_fills_blocks(qtbot, controller, tmp_path):
    project = make_project(tmp_path)
    controller.set_project(project)
    done_blocks: list[str] = []
    seen_states: list[dict] = []
    controller.keyframeDone.connect(done_blocks.append)
    controller.keyframeDone.connect(lambda _bid: seen_states.append(controller.current_states()))
    with qtbot.waitSignal(controller.finished, timeout=WAIT):
        assert controller.start(project, t_range=(0.0, 1.0), engine="draft")
        assert controller.is_running()
    assert not controller.is_running()
    assert "b0" in done_blocks
    # While the job ran, the block being rendered showed as rendering (or queued before it).
    assert any(s["b0"][0] in ("rendering", "cached") for s in seen_states)
    states = settled(qtbot, controller)
    assert states["b0"] == ("cached", 1.0)
    assert states["b2"][0] == "none"  # outside the range (and its neighbours)
    thumb = controller.thumbnail_path("b0")
    assert thumb is not None and thumb.endswith(".png")


def test_whole_render_then_edit_marks_blocks_stale(qtbot, controller, tmp_path):
    project = make_project(tmp_path)
    project.render.continuity = "per-block"
    controller.set_project(project)
    with qtbot.waitSignal(controller.finished, timeout=WAIT):
        controller.start(project, engine="draft")
    assert {s for s, _ in settled(qtbot, controller).values()} == {"cached"}
    set_text(project, "b1", "black storm").apply(project)
    states = settled(qtbot, controller)
    # Per-block continuity: the edit stays local to its block.
    assert states["b1"][0] == "stale"
    assert states["b0"][0] == "cached" and states["b2"][0] == "cached"
    with qtbot.waitSignal(controller.finished, timeout=WAIT):
        controller.start(project, engine="draft")
    assert settled(qtbot, controller)["b1"] == ("cached", 1.0)


def test_chain_edit_marks_following_blocks_stale(qtbot, controller, tmp_path):
    project = make_project(tmp_path)
    controller.set_project(project)
    with qtbot.waitSignal(controller.finished, timeout=WAIT):
        controller.start(project, engine="draft")
    assert {s for s, _ in settled(qtbot, controller).values()} == {"cached"}
    set_text(project, "b1", "black storm").apply(project)
    states = settled(qtbot, controller)
    assert states["b0"][0] == "cached"
    assert states["b1"][0] == "stale" and states["b2"][0] == "stale"  # they warm-start from b1


def test_cancel_before_first_keyframe(qtbot, controller, tmp_path):
    project = make_project(tmp_path)
    with qtbot.waitSignal(controller.cancelled, timeout=WAIT):
        controller.start(project, engine="draft")
        controller.cancel()
    assert not controller.is_running()
    assert all(state in ("none", "cached") for state, _ in settled(qtbot, controller).values())


def test_cancel_mid_render(qtbot, controller, tmp_path):
    project = make_project(tmp_path, seconds=6, kps=4.0, iterations=50)
    controller.set_project(project)
    with qtbot.waitSignal(controller.keyframeDone, timeout=WAIT):
        controller.start(project, engine="draft")
    with qtbot.waitSignal(controller.cancelled, timeout=WAIT):
        controller.cancel()
    assert not controller.is_running()
    states = settled(qtbot, controller)
    assert not any(state in ("queued", "rendering") for state, _ in states.values())


def test_ai_engine_without_weights_fails_in_plain_words(qtbot, controller, tmp_path):
    project = make_project(tmp_path)
    with qtbot.waitSignal(controller.failed, timeout=WAIT) as failed:
        controller.start(project, engine="vqgan-clip")
    message = failed.args[0]
    assert "Traceback" not in message
    assert "dreamreel models download" in message or "not found" in message.lower()
    assert not controller.is_running()


def test_worker_process_streams_keyframes_and_is_killed_by_cancel(qtbot, controller, tmp_path, fake_engine):
    """A plug-in engine that asks for a worker process renders there (the child finds it
    through its entry point), chosen and run through the registry alone."""
    project = make_project(tmp_path)
    project.render.engine = "fake"
    controller.set_project(project)
    done_blocks: list[str] = []
    controller.keyframeDone.connect(done_blocks.append)
    with qtbot.waitSignal(controller.finished, timeout=WAIT):
        assert controller.start(project)
        assert isinstance(controller._job, ProcessJob)
    assert done_blocks[:1] == ["b0"] and "b2" in done_blocks
    qtbot.waitUntil(lambda: not controller.states_pending(), timeout=WAIT)
    assert controller.current_states()["b2"] == ("cached", 1.0)  # the states the timeline paints
    # Cancel kills the child at once, whatever it is doing (here: importing torch).
    big = make_project(tmp_path / "big", seconds=6, kps=4.0, iterations=50)
    big.render.engine = "fake"
    with qtbot.waitSignal(controller.cancelled, timeout=WAIT):
        controller.start(big)
        controller.cancel()
    assert not controller.is_running()


def test_shutdown_while_running_stops_the_job_and_waits_for_it(qtbot, tmp_path):
    project = make_project(tmp_path, seconds=6, kps=4.0, iterations=50)
    c = RenderController()
    rendered: list[str] = []
    c.keyframeDone.connect(rendered.append)
    assert c.start(project, engine="draft")
    job = c._job
    qtbot.waitUntil(lambda: bool(rendered), timeout=WAIT)  # it is really rendering now
    c.shutdown()
    assert not c.is_running()
    assert job.isFinished() and job not in render_controller._orphans  # the thread has ended
    cache = KeyframeCache(cache_dir_for(project))
    written = cache.keys()
    time.sleep(0.3)
    assert cache.keys() == written  # nothing renders on after shutdown


def test_clear_cache(qtbot, controller, tmp_path):
    project = make_project(tmp_path)
    controller.set_project(project)
    with qtbot.waitSignal(controller.finished, timeout=WAIT):
        controller.start(project, engine="draft")
    with qtbot.waitSignal(controller.statesChanged, timeout=5000):
        controller.clear_cache(["b1"])
    states = settled(qtbot, controller)
    assert states["b1"][0] == "none" and states["b0"][0] == "cached"
