"""Undo: a document with unsaved edits can be dropped cleanly; through the full window, a
command applies and is pushed, or changes nothing, even when a panel fails reacting to it."""

import logging

import pytest
import shiboken6

from dreamreel.core.commands import InsertBlock
from dreamreel.core.project import Block, project_to_dict
from dreamreel.editor.document.editor_document import EditorDocument
from editor_conftest_helpers import close_window, make_project_file, open_rendered_window, open_window


def test_dropping_a_modified_document_raises_nothing(qtbot, capfd):
    document = EditorDocument()
    modified = []
    document.modifiedChanged.connect(modified.append)
    document.execute(InsertBlock(block=Block("x", 0, 1000)))
    assert modified == [True]
    shiboken6.delete(document)  # what happens to it when its window closes
    err = capfd.readouterr().err  # Qt prints errors raised while it tears objects down
    assert "Traceback" not in err and "Error" not in err


# --- a command applies and is pushed, or changes nothing (issue 8) ------------------------------


@pytest.fixture
def rendered_window(qtbot, tmp_path):
    w = open_rendered_window(qtbot, make_project_file(tmp_path))
    yield w
    close_window(w)


def _json(window):
    return project_to_dict(window.document.project)


def _no_errors_logged(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_delete_with_a_plan_from_before_the_edit_is_pushed_and_undone(qtbot, rendered_window, caplog):
    w = rendered_window
    before = _json(w)
    w.seek(7000)  # the preview shows block "two"'s cached keyframe
    assert w.preview.current_image_key() is not None
    w.document.select(["two"])
    w.actions["delete"].trigger()
    assert [b.id for b in w.document.project.blocks] == ["one", "three", "four"]
    assert w.document.stack.count() == 1 and _no_errors_logged(caplog) == []
    assert "not rendered" in w.preview._label.text()  # the words at the playhead, no stale picture
    w.document.stack.undo()
    assert _json(w) == before


def test_import_lyrics_over_blocks_with_a_stale_plan_is_one_undo_step(qtbot, rendered_window, caplog, tmp_path):
    w = rendered_window
    before = _json(w)
    w.seek(13000)
    lrc = tmp_path / "new.lrc"
    lrc.write_text("[00:00.50]Alpha\n[00:05.00]Beta\n[00:30.00]Gamma\n", encoding="utf-8")
    assert w.import_lyrics(lrc)
    assert [b.text for b in w.document.project.blocks] == ["Alpha", "Beta", "Gamma"]
    assert w.document.stack.count() == 1 and _no_errors_logged(caplog) == []
    w.document.stack.undo()  # before the fix: nothing was pushed and this undid an older edit
    assert _json(w) == before


def test_a_failing_observer_is_logged_and_never_aborts_the_command(qtbot, tmp_path, caplog):
    w = open_window(qtbot, make_project_file(tmp_path))
    try:
        def broken(change):
            raise RuntimeError("a view that fails")

        w.document.project.changed.connect(broken)
        before = _json(w)
        w.document.select(["one"])
        w.actions["delete"].trigger()
        assert [b.id for b in w.document.project.blocks] == ["two", "three", "four"]
        assert w.document.stack.count() == 1
        assert any("a view that fails" in (r.exc_text or str(r.exc_info)) for r in caplog.records)
        w.document.stack.undo()
        assert _json(w) == before
        w.document.project.changed.disconnect(broken)
    finally:
        close_window(w)
