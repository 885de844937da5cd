"""The toolbar's engine choice and the missing-weights dialog, through the whole MainWindow.

The example project asks for VQGAN+CLIP and the test models dir is empty: Render opens ONE
dialog (Draft for now / Download… / Cancel) instead of starting a job that fails; the block
states have a legend and the hovered block a tooltip naming its state."""

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication

from dreamreel.editor.theme import STATE_COLOURS, STATE_LABELS
from editor_conftest_helpers import _send, close_window, make_project_file, open_window, pixel_of, lane_y
from http_helpers import local_preset, server  # noqa: F401,F811 - server is a fixture

WAIT = 120_000


def settle_choice(qtbot, window):
    qtbot.waitUntil(lambda: not window.engine_choice.pending(), timeout=WAIT)


def hover_tip(window, t_s: float) -> str:
    """The lane's tooltip after the mouse moved over t_s (no rate limit on synthetic moves)."""
    import pyqtgraph as pg

    rate = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", 0)
    try:
        _send(window.timeline.plot.viewport(), QEvent.MouseMove, pixel_of(window, t_s, lane_y(window)), Qt.NoButton,
              Qt.NoButton, Qt.NoModifier)
        QApplication.processEvents()
    finally:
        pg.setConfigOption("mouseRateLimit", rate)
    return window.timeline.blocks.toolTip()


def test_toolbar_engine_choice_is_the_settings_edit_and_follows_undo(qtbot, tmp_path):
    window = open_window(qtbot, make_project_file(tmp_path), render=True)
    try:
        combo, field = window.engine_choice, window.settings_panel.widgets["engine"]
        assert combo.parentWidget().objectName() == "main_toolbar"
        assert [combo.itemData(i) for i in range(combo.count())][:3] == ["draft", "vqgan-clip", "sd"]
        assert combo.currentData() == "vqgan-clip"
        settle_choice(qtbot, window)
        assert combo.itemText(combo.findData("vqgan-clip")).endswith("weights missing")
        assert not combo.itemText(combo.findData("draft")).endswith("weights missing")
        combo.setCurrentIndex(combo.findData("draft"))
        assert window.document.project.render.engine == "draft" and field.currentData() == "draft"
        assert window.document.stack.count() == 1  # one undoable edit
        window.document.stack.undo()
        assert window.document.project.render.engine == "vqgan-clip"
        assert combo.currentData() == "vqgan-clip" and field.currentData() == "vqgan-clip"
        field.setCurrentIndex(field.findData("sd"))  # the settings field moves the toolbar too
        assert combo.currentData() == "sd" and window.document.stack.count() == 1
    finally:
        close_window(window)


def test_render_without_weights_asks_once_and_draft_for_now_renders(qtbot, tmp_path):
    window = open_window(qtbot, make_project_file(tmp_path), render=True)
    try:
        rc = window.render_controller
        window.actions["render_all"].trigger()
        qtbot.waitUntil(lambda: getattr(window, "missing_weights_dialog", None) is not None, timeout=WAIT)
        dialog = window.missing_weights_dialog
        assert dialog.isVisible() and not rc.is_running()
        assert "VQGAN" in dialog.message.text() and "not found" in dialog.message.text()
        assert dialog.download_button.isEnabled() and dialog.download_name
        assert dialog.draft_button.text() == "Use Draft for now"
        window.actions["render_all"].trigger()  # pressed again: still one dialog
        qtbot.waitUntil(lambda: not window.weights_pending(), timeout=WAIT)
        assert [w for w in QApplication.topLevelWidgets()
                if w.objectName() == "missing_weights_dialog" and w.isVisible()] == [dialog]
        with qtbot.waitSignal(rc.finished, timeout=WAIT):
            dialog.draft_button.click()
        assert window.document.project.render.engine == "draft"
        assert window.engine_choice.currentData() == "draft"
        qtbot.waitUntil(lambda: not rc.states_pending(), timeout=WAIT)
        assert rc.current_states()["one"][0] == "cached"
        window.document.stack.undo()  # the switch was one undoable edit
        assert window.document.project.render.engine == "vqgan-clip"
    finally:
        close_window(window)


def test_cancel_renders_nothing_and_download_opens_the_download_dialog(qtbot, tmp_path, server, monkeypatch):
    local_preset(monkeypatch, server.url + "/gone", name="vqgan_imagenet_f16_16384")  # the preset's mirrors: a local 404
    window = open_window(qtbot, make_project_file(tmp_path), render=True)
    try:
        rc = window.render_controller
        window.document.select(["two"])
        window.actions["render_selection"].trigger()
        qtbot.waitUntil(lambda: getattr(window, "missing_weights_dialog", None) is not None, timeout=WAIT)
        window.missing_weights_dialog.cancel_button.click()
        assert window.missing_weights_dialog is None and not rc.is_running()
        assert window.document.project.render.engine == "vqgan-clip" and window.document.stack.count() == 0

        # The preview with the project's engine asks too
        window.preview._use_ai.setChecked(True)
        window.preview._button.click()
        qtbot.waitUntil(lambda: getattr(window, "missing_weights_dialog", None) is not None, timeout=WAIT)
        dialog = window.missing_weights_dialog
        dialog.download_button.click()
        download = window.settings_panel.download_dialog
        assert download is not None and download.isVisible() and download.name == dialog.download_name
        qtbot.waitUntil(lambda: not download.is_running(), timeout=WAIT)
        assert "no mirror worked" in download.message.text()
        assert not rc.is_running() and window.document.project.render.engine == "vqgan-clip"
        download.reject()  # Close
    finally:
        close_window(window)


def test_legend_and_block_tooltip_name_the_states(qtbot, tmp_path):
    window = open_window(qtbot, make_project_file(tmp_path), render=False)
    try:
        legend = window.timeline.navigator.legend
        assert legend.isVisible()
        assert {s: legend.entries[s].text() for s in STATE_LABELS} == STATE_LABELS
        assert all(STATE_COLOURS[s] in legend.swatches[s].styleSheet() for s in STATE_LABELS)
        window.timeline.vb.setXRange(0, 10, padding=0)
        QApplication.processEvents()
        assert hover_tip(window, 7.5).startswith("Block 2: Two waves of glass") and "Not rendered" in \
            hover_tip(window, 7.5)
        window._block_states = {"two": ("stale", 0.0)}  # what the render controller reports
        assert "Out of date" in hover_tip(window, 7.6) and "Out of date" not in hover_tip(window, 2.0)
    finally:
        close_window(window)


def _render_via_download(qtbot, window, monkeypatch, fetch):
    """Render selection -> missing-weights dialog -> Download…, with the download's fetch
    replaced by `fetch` (no network); rc.start recorded. Returns (download dialog, starts)."""
    from dreamreel.core.engine import download as download_mod

    monkeypatch.setattr(download_mod, "download_preset", fetch)
    rc = window.render_controller
    starts = []
    monkeypatch.setattr(rc, "start", lambda project, t_range=None: starts.append((project.render.engine, t_range)) or True)
    window.document.select(["two"])
    window.actions["render_selection"].trigger()
    qtbot.waitUntil(lambda: getattr(window, "missing_weights_dialog", None) is not None, timeout=WAIT)
    window.missing_weights_dialog.download_button.click()
    download = window.settings_panel.download_dialog
    assert download is not None and download.isVisible()
    qtbot.waitUntil(lambda: not download.is_running(), timeout=WAIT)
    return download, starts


def test_a_finished_download_starts_the_render_asked_for(qtbot, tmp_path, monkeypatch):
    import dataclasses

    from dreamreel.core.engine import registry

    entry = registry.get("vqgan-clip")

    def fetch(name, **_kw):  # the files "arrive": the engine has nothing missing any more
        monkeypatch.setitem(registry.entries(), "vqgan-clip",
                            dataclasses.replace(entry, missing_fn=registry._nothing_missing))
        return [tmp_path / "models" / f"{name}.ckpt"]

    window = open_window(qtbot, make_project_file(tmp_path), render=True)
    try:
        download, starts = _render_via_download(qtbot, window, monkeypatch, fetch)
        qtbot.waitUntil(lambda: bool(starts), timeout=WAIT)
        assert starts == [("vqgan-clip", (6.0, 9.0))]  # block two, with the now-available engine
        assert "downloaded: rendering with VQGAN" in window.statusBar().currentMessage()
        assert getattr(window, "missing_weights_dialog", None) is None
        download.reject()
    finally:
        close_window(window)


def test_a_failed_or_cancelled_download_renders_nothing_and_says_so(qtbot, tmp_path, monkeypatch):
    from dreamreel.core.engine.download import Cancelled, DownloadError

    window = open_window(qtbot, make_project_file(tmp_path), render=True)
    try:
        for error, word in ((DownloadError("no mirror worked for x.ckpt"), "failed"), (Cancelled(), "cancelled")):
            def fetch(name, error=error, **_kw):
                raise error

            download, starts = _render_via_download(qtbot, window, monkeypatch, fetch)
            message = window.statusBar().currentMessage()
            assert starts == [] and f"Download of vqgan_imagenet_f16_16384 {word}" in message, message
            assert "nothing rendered" in message and "\n" not in message
            download.reject()  # Close
            qtbot.waitUntil(lambda: window.settings_panel.download_dialog is None, timeout=WAIT)
    finally:
        close_window(window)
