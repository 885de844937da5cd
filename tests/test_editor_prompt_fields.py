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


def _plan_prompts(project, block_id):
    from dreamreel.core.engine.schedule import plan_keyframes

    plan = plan_keyframes(project, {"engine": "draft", "engine_version": "test"})
    return [(p.text, p.weight) for p in next(k for k in plan if k.block_id == block_id).spec.prompts]


def test_prompt_syntax_checkbox_is_one_undo_step_and_changes_the_plan(window):
    from dreamreel.core.commands import set_text

    doc = window.document
    doc.execute(set_text(doc.project, "one", "Meet me at 9:30"))
    doc.execute(set_text(doc.project, "two", "Psalm 23:4"))
    doc.select(["one", "two"])
    box = window.inspector.prompt_syntax
    assert box.isChecked()  # blocks typed in the editor read the grammar
    assert _plan_prompts(doc.project, "one")[0] == ("Meet me at 9", 30.0)
    depth = doc.stack.count()
    box.click()
    assert doc.stack.count() == depth + 1
    assert [doc.project.block(i).prompt_syntax for i in ("one", "two")] == [False, False]
    assert _plan_prompts(doc.project, "one")[0] == ("Meet me at 9:30", 1.0)
    assert _plan_prompts(doc.project, "two")[0] == ("Psalm 23:4", 1.0)
    assert not box.isChecked()
    doc.stack.undo()
    assert _plan_prompts(doc.project, "one")[0] == ("Meet me at 9", 30.0)
    assert box.isChecked()
    doc.stack.redo()
    doc.select(["one"])
    assert box.checkState().name == "Unchecked"
    doc.select(["one", "three"])  # one literal, one not: shown as mixed
    assert box.checkState().name == "PartiallyChecked"
    depth = doc.stack.count()
    box.click()  # mixed -> on for both (three already reads the grammar: left as it is)
    assert [doc.project.block(i).prompt_syntax for i in ("one", "three")] == [True, None]
    assert doc.stack.count() == depth + 1
    assert box.isChecked()


def test_inspector_style_adds_by_default_and_the_combo_replaces(window):
    from dreamreel.core.project import Style

    doc = window.document
    doc.project.style = Style(phrases=[Prompt("oil painting")], negatives=[Prompt("blurry", 0.5)])
    doc.select(["one"])
    inspector = window.inspector
    assert inspector.style_mode.currentData() == "add"
    inspector.style.setText("fog:0.5")
    inspector.style.editingFinished.emit()
    assert doc.project.block("one").style_mode == "add"
    assert _plan_prompts(doc.project, "one") == [("One lighthouse", 1.0), ("oil painting", 1.0), ("fog", 0.5),
                                                 ("blurry", -0.5)]
    depth = doc.stack.count()
    combo = inspector.style_mode
    combo.setCurrentIndex(combo.findData("replace"))
    combo.activated.emit(combo.currentIndex())
    assert doc.stack.count() == depth + 1
    assert _plan_prompts(doc.project, "one") == [("One lighthouse", 1.0), ("fog", 0.5), ("blurry", -0.5)]
    combo.setCurrentIndex(combo.findData("replace-all"))
    combo.activated.emit(combo.currentIndex())
    assert _plan_prompts(doc.project, "one") == [("One lighthouse", 1.0), ("fog", 0.5)]
    doc.stack.undo()
    doc.stack.undo()
    assert combo.currentData() == "add"


def test_inspector_shows_an_old_block_style_as_replacing_all(window):
    from dreamreel.core.commands import SetBlockFields
    from dreamreel.core.project import Style

    doc = window.document
    doc.execute(SetBlockFields(block_id="two", fields={"style": Style(phrases=[Prompt("ink")])}))
    doc.select(["two"])
    assert doc.project.block("two").style_mode is None
    assert window.inspector.style_mode.currentData() == "replace-all"  # what it meant, and still means
