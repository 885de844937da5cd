"""Undo always holds: random sequences of every edit, through the full main window (every panel
and dock open, render states present), undo back to the first JSON and redo to the last.

Each edit goes the way the user's does (window actions and slots, the inspector's Text field,
lyrics import from a file); refused edits are part of the sequence (they must change nothing).
A panel failing while it reacts to an edit is logged by the model's observer list: any such
log record fails the test too.
"""

from __future__ import annotations

import logging
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from dreamreel.core.commands import InsertBlock, move_blocks, resize_block, shift_all
from dreamreel.core.errors import DreamreelError
from dreamreel.core.project import Block, project_to_dict
from editor_conftest_helpers import close_window, make_project_file, open_rendered_window

SONG_MS = 48_000
ms = st.integers(0, SONG_MS)
delta = st.integers(-5000, 5000)
pick = st.integers(0, 1000)  # an index into the current blocks, modulo their number
# typed with QTest.keyClicks, which knows ASCII keys only
texts = st.text(string.ascii_letters + string.digits + " ", min_size=1, max_size=12).map(str.strip).filter(bool)

EDITS = st.one_of(
    st.tuples(st.just("seek"), ms),
    st.tuples(st.just("insert"), ms, st.integers(100, 6000), texts),
    st.tuples(st.just("delete"), pick, st.booleans()),
    st.tuples(st.just("move"), pick, delta),
    st.tuples(st.just("resize"), pick, st.booleans(), delta),
    st.tuples(st.just("split"), pick, st.floats(0.0, 1.0)),
    st.tuples(st.just("merge"), pick),
    st.tuples(st.just("text"), pick, texts),
    st.tuples(st.just("shift"), ms, delta),
    st.tuples(st.just("lyrics"), st.lists(st.tuples(st.integers(0, SONG_MS - 1000), texts), min_size=1, max_size=5)),
    st.tuples(st.just("nudge"), pick, st.sampled_from(["nudge_left", "nudge_right", "nudge_left_big", "nudge_right_big"]),
              st.integers(1, 3)),
)


def _block(window, i):
    blocks = window.document.project.blocks
    return blocks[i % len(blocks)] if blocks else None


def _do(window, edit, lrc_path):
    """Perform one edit as the user would. Refused edits end up in the status bar."""
    kind, *args = edit
    doc, actions = window.document, window.actions
    if kind == "seek":
        window.seek(args[0])
        return
    if kind == "insert":
        start, length, text = args
        window.run(InsertBlock(block=Block(text, start, min(SONG_MS, start + length))))
        return
    if kind == "shift":
        try:
            window.run(shift_all(doc.project, args[0], args[1]))
        except DreamreelError:
            pass  # no block after the playhead: the dialog's slot reports it the same way
        return
    if kind == "lyrics":
        lines = sorted(args[0])
        lrc_path.write_text("".join(f"[{t // 60000:02d}:{t % 60000 / 1000:05.2f}]{text}\n" for t, text in lines),
                            encoding="utf-8")
        window.import_lyrics(lrc_path)
        return
    b = _block(window, args[0])
    if b is None:
        return
    if kind == "delete":
        doc.select([b.id])
        if args[1] and len(doc.project.blocks) > 1:
            doc.select([_block(window, args[0] + 1).id], extend=True)
        actions["delete"].trigger()
    elif kind == "move":
        window.run(move_blocks(doc.project, [b.id], args[1]))
    elif kind == "resize":
        edge = "start_ms" if args[1] else "end_ms"
        window.run(resize_block(doc.project, b.id, **{edge: getattr(b, edge) + args[2]}))
    elif kind == "split":
        window.seek(int(b.start_ms + (b.end_ms - b.start_ms) * args[1]))
        actions["split"].trigger()
    elif kind == "merge":
        doc.select([b.id])
        actions["merge"].trigger()
    elif kind == "text":
        doc.select([b.id])
        field = window.inspector.text
        field.setFocus()
        field.selectAll()
        QTest.keyClicks(field, args[1])
        QTest.keyClick(field, Qt.Key_Return)  # commits, and moves to the next block
    elif kind == "nudge":
        doc.select([b.id])
        for _ in range(args[2]):
            actions[args[1]].trigger()


def test_undo_all_gives_the_first_json_and_redo_all_the_last(qtbot, tmp_path, caplog):
    window = open_rendered_window(qtbot, make_project_file(tmp_path))
    stack = window.document.stack
    lrc = tmp_path / "random.lrc"
    try:
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(EDITS, min_size=1, max_size=12))
        def check(edits):
            stack.clear()
            first = project_to_dict(window.document.project)
            caplog.clear()
            for edit in edits:
                _do(window, edit, lrc)
            errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
            assert errors == []
            last = project_to_dict(window.document.project)
            while stack.canUndo():
                stack.undo()
            assert project_to_dict(window.document.project) == first
            while stack.canRedo():
                stack.redo()
            assert project_to_dict(window.document.project) == last
            while stack.canUndo():  # the next example starts from the rendered project again
                stack.undo()

        check()
    finally:
        for box in list(window._alerts):
            box.close()
        window.setFocus(Qt.OtherFocusReason)
        close_window(window)
