"""EditorDocument's undo stack: a document with unsaved edits can be dropped cleanly."""

import shiboken6

from dreamreel.core.commands import InsertBlock
from dreamreel.core.project import Block
from dreamreel.editor.document.editor_document import EditorDocument


def test_dropping_a_modified_document_raises_nothing(qtbot, capfd):
    document = EditorDocument()
    modified = []
    document.modifiedChanged.connect(modified.append)
    document.execute(InsertBlock(block=Block("x", 0, 1000)))
    assert modified == [True]
    shiboken6.delete(document)  # what happens to it when its window closes
    err = capfd.readouterr().err  # Qt prints errors raised while it tears objects down
    assert "Traceback" not in err and "Error" not in err
