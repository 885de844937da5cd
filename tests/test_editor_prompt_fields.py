"""Style fields in the editor read the one prompt grammar: stops kept, bad numbers refused."""

import pytest

from dreamreel.core.project import Prompt
from editor_conftest_helpers import close_window, make_project_file, open_window


@pytest.fixture
def window(qtbot, tmp_path):
    w = open_window(qtbot, make_project_file(tmp_path))
    yield w
    close_window(w)


def test_settings_style_takes_stops_and_refuses_an_exponent(window):
    panel = window.settings_panel
    panel.phrases.setText("ink drawing:2:0.3 | blue")
    panel.phrases.editingFinished.emit()
    assert window.document.project.style.phrases == [Prompt("ink drawing", 2.0, 0.3), Prompt("blue", 1.0)]
    depth = window.document.stack.count()
    panel.phrases.setText("ink drawing:1e400")
    panel.phrases.editingFinished.emit()
    assert window.document.project.style.phrases == [Prompt("ink drawing", 2.0, 0.3), Prompt("blue", 1.0)]
    assert window.document.stack.count() == depth
    assert "weight '1e400'" in window.statusBar().currentMessage()
    assert panel.phrases.text() == "ink drawing:2:0.3 | blue"  # shows the model again


def test_inspector_style_refuses_an_exponent(window):
    window.document.select(["one"])
    inspector = window.inspector
    inspector.style.setText("fog:1e-1")
    inspector.style.editingFinished.emit()
    assert window.document.project.block("one").style is None
    assert window.document.stack.count() == 0
    assert "weight '1e-1'" in window.statusBar().currentMessage()
    inspector.style.setText("fog:.5:-0.2")
    inspector.style.editingFinished.emit()
    assert window.document.project.block("one").style.phrases == [Prompt("fog", 0.5, -0.2)]
