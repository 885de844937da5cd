"""Preview selection in chain continuity through the whole MainWindow: a block far into an
uncached chain renders only its own keyframes from a fresh seeded start, shown as a preview,
and the full render's states do not change; a long render says its count and estimate and asks."""

from PySide6.QtWidgets import QMessageBox

from dreamreel.core.project import Block, load_project, save_project
from editor_conftest_helpers import close_window, make_project_file, open_window

WAIT = 120_000


def chain_window(qtbot, tmp_path):
    path = make_project_file(tmp_path)
    project = load_project(path)
    project.render.engine = "draft"
    project.render.continuity = "chain"
    project.render.keyframes_per_second = 2.0
    project.blocks = [Block(f"line {i}", i * 1000, (i + 1) * 1000, id=f"b{i}") for i in range(44)]
    save_project(project, path)
    window = open_window(qtbot, path, render=True)
    rc = window.render_controller
    qtbot.waitUntil(lambda: rc.plan("draft") is not None and not rc.states_pending(), timeout=WAIT)
    return window


def test_preview_far_into_an_uncached_chain_renders_only_the_block(qtbot, tmp_path):
    window = chain_window(qtbot, tmp_path)
    try:
        rc, panel = window.render_controller, window.preview
        window.document.select(["b40"])
        done = []
        rc.keyframeDone.connect(done.append)
        with qtbot.waitSignal(rc.finished, timeout=WAIT):
            panel._button.click()
            assert "fresh start" in panel._label.text() and "2 keyframes" in panel._label.text()
        assert len(done) == 2 and set(done) == {"b40"}  # not the 80 keyframes of the chain before it
        qtbot.waitUntil(lambda: not rc.states_pending(), timeout=WAIT)
        assert rc.current_states()["b40"][0] == "none"  # the full render's keyframes: still to do
        assert rc.current_states()["b39"][0] == "none"
        panel.show_time(40_200)
        assert panel.current_image_key() is not None and "preview (fresh start)" in panel._label.text()
        assert panel.current_image_key() not in {k for _, k, *_ in rc.plan("draft")}
    finally:
        close_window(window)


def test_a_long_render_says_its_cost_and_asks(qtbot, tmp_path, monkeypatch):
    from dreamreel.editor.dialogs import render_estimate

    window = chain_window(qtbot, tmp_path)
    try:
        rc = window.render_controller
        monkeypatch.setattr(render_estimate, "seconds_per_iteration", lambda render, engine: 30.0)
        asked = []
        monkeypatch.setattr(QMessageBox, "question",
                            staticmethod(lambda parent, title, text, *a: asked.append(text) or QMessageBox.No))
        window.document.select(["b40"])
        window.actions["render_selection"].trigger()
        assert len(asked) == 1 and "83 keyframes" in asked[0] and "80 of them earlier in the chain" in asked[0]
        assert not rc.is_running()
        window.preview._button.click()
        assert len(asked) == 2 and "fresh start" in asked[1] and not rc.is_running()
        assert "not started" in window.preview._label.text()
        monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a: asked.append(a[2]) or QMessageBox.Yes))
        with qtbot.waitSignal(rc.finished, timeout=WAIT):
            window.preview._button.click()
        assert len(asked) == 3
    finally:
        close_window(window)
