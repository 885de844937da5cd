"""Project settings → Download…: a preset fetched from a local server (127.0.0.1) with progress,
Cancel keeping the `.part` for a resume, and the panel showing the preset ready afterwards."""

from pathlib import Path

import pytest

from dreamreel.core.engine import models
from dreamreel.core.project import Project
from dreamreel.editor.panels.settings_panel import SettingsPanel
from dreamreel.editor.document.editor_document import EditorDocument
from http_helpers import local_preset, serve_tiny_preset, server  # noqa: F401 - server is a fixture
from tiny_models import make_tiny_models

NAME = "vqgan_imagenet_f16_1024"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_models(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def models_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / ".data"))  # download records of this test's own
    return tmp_path


def make_panel(qtbot) -> SettingsPanel:
    project = Project()
    project.render.engine = "vqgan-clip"
    project.render.update_engine("vqgan-clip", vqgan=NAME)
    document = EditorDocument(project)
    panel = SettingsPanel(document)
    document.setParent(panel)  # lives and dies with the panel
    qtbot.addWidget(panel)
    assert panel.engine_widgets["vqgan"].currentText() == NAME and not document.modified  # building edits nothing
    settle(qtbot, panel)
    assert vqgan_missing(panel) and panel.download.isEnabled()
    return panel


def settle(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: not panel.missing_pending(), timeout=20000)


def vqgan_missing(panel) -> bool:
    """The panel says the VQGAN preset's files are missing."""
    text = panel.model_state.text()
    return text.startswith("Not ready") and f"{NAME}.yaml not found" in text


def test_download_from_the_panel_makes_the_preset_ready(qtbot, server, models_dir, monkeypatch, tiny):
    serve_tiny_preset(monkeypatch, server, tiny, name=NAME)
    panel = make_panel(qtbot)
    panel.download.click()
    dialog = panel.download_dialog
    assert dialog is not None and not panel.download.isEnabled()
    with qtbot.waitSignal(dialog.downloaded, timeout=20000):
        pass
    assert "ready" in dialog.message.text() and dialog.bar.value() == dialog.bar.maximum()
    settle(qtbot, panel)
    assert not vqgan_missing(panel) and "VQGAN" not in panel.model_state.text()
    assert models.resolve_vqgan(NAME) == (models_dir / f"{NAME}.yaml", models_dir / f"{NAME}.ckpt")
    dialog.reject()  # Close
    assert panel.download_dialog is None and not panel.download.isEnabled()


def test_cancel_keeps_the_part_and_a_second_download_resumes(qtbot, server, models_dir, monkeypatch, tiny):
    _, _, data = serve_tiny_preset(monkeypatch, server, tiny, name=NAME, ckpt_query="?slow")
    panel = make_panel(qtbot)
    panel.download.click()
    dialog = panel.download_dialog
    # The checkpoint stalls after its first 64 KiB: progress shows, then Cancel.
    qtbot.waitUntil(lambda: f"{NAME}.ckpt" in dialog.message.text() and dialog.bar.value() > 0, timeout=20000)
    assert server.stalled.is_set()
    dialog.reject()
    assert dialog.isVisible() and dialog.message.text() == "Cancelling…"
    # Cancel acts while the server still sends nothing (it waits for `release` for 10 s).
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=20000)
    assert not server.resumed.is_set()
    server.release.set()
    assert "cancelled" in dialog.message.text() and "resumes" in dialog.message.text()
    ckpt = models_dir / f"{NAME}.ckpt"
    assert not ckpt.exists() and (models_dir / f"{NAME}.ckpt.part").stat().st_size > 0
    settle(qtbot, panel)
    assert vqgan_missing(panel)
    dialog.reject()  # Close
    settle(qtbot, panel)
    assert panel.download_dialog is None and panel.download.isEnabled()

    panel.download.click()
    with qtbot.waitSignal(panel.download_dialog.downloaded, timeout=20000):
        pass
    assert ckpt.read_bytes() == data and not (models_dir / f"{NAME}.ckpt.part").exists()
    assert server.requests[-1][0] == "/ckpt?slow" and server.requests[-1][1] is not None  # resumed with Range
    settle(qtbot, panel)
    assert not vqgan_missing(panel)
    panel.download_dialog.reject()


def test_no_mirror_working_is_one_plain_line(qtbot, server, models_dir, monkeypatch):
    local_preset(monkeypatch, server.url + "/gone", name=NAME)
    panel = make_panel(qtbot)
    panel.download.click()
    dialog = panel.download_dialog
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=20000)
    text = dialog.message.text()
    assert "no mirror worked" in text and "\n" not in text and "Traceback" not in text
    assert not any(models_dir.glob(f"{NAME}.*"))
    dialog.reject()


def test_hostile_checkpoint_downloaded_from_the_panel_runs_no_code(qtbot, server, models_dir, monkeypatch, tiny,
                                                                   tmp_path):
    """A checkpoint whose pickle writes a marker when unpickled, its hash in every trust store:
    the dialog's worker checks it (safe loader: the payload is a dropped stub) and lands it."""
    from hostile_models import make_hostile

    evil = make_hostile(tmp_path / "evil", tiny, models_dir=models_dir)
    _, _, data = serve_tiny_preset(monkeypatch, server, tiny, name=NAME, ckpt_bytes=evil["vqgan"].read_bytes())
    panel = make_panel(qtbot)
    panel.download.click()
    with qtbot.waitSignal(panel.download_dialog.downloaded, timeout=20000):
        pass
    assert (models_dir / f"{NAME}.ckpt").read_bytes() == data and not evil["marker"].exists()
    settle(qtbot, panel)
    panel.download_dialog.reject()


def test_html_page_instead_of_the_checkpoint_is_one_line_and_nothing_lands(qtbot, server, models_dir, monkeypatch,
                                                                          tiny):
    serve_tiny_preset(monkeypatch, server, tiny, name=NAME)
    p = models.PRESETS[NAME]
    monkeypatch.setitem(models.PRESETS, NAME, models.Preset(
        NAME, p.description, p.config, models.ModelFile(p.ckpt.filename, (server.url + "/ckpt?html",),
                                                        sha256="0" * 64), p.params))
    panel = make_panel(qtbot)
    panel.download.click()
    dialog = panel.download_dialog
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=20000)
    text = dialog.message.text()
    assert "HTML page" in text and "\n" not in text and not (models_dir / f"{NAME}.ckpt").exists()
    assert not (models_dir / f"{NAME}.ckpt.part").exists()
    dialog.reject()
