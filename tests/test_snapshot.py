"""The project snapshot for work off the GUI thread: cheap (blocks shared), yet no edit of the
original reaches it, and it serialises exactly like the worker-process payload."""

from __future__ import annotations

from dreamreel.core import commands
from dreamreel.core.project import AudioRef, Block, Project, Prompt, Style, project_to_dict
from dreamreel.editor.render.render_worker import project_payload, snapshot


def test_edits_of_the_original_never_reach_the_snapshot(tmp_path):
    p = Project(blocks=[Block("a", 0, 1000, id="a"), Block("b", 1000, 2000, id="b")],
                audio=AudioRef("song.wav", duration_ms=5000))
    p.path = tmp_path / "p.dreamreel"
    snap = snapshot(p)
    before = project_to_dict(snap)
    assert before == project_payload(p)
    assert snap.audio.path == str(tmp_path / "song.wav") and snap.path is None
    commands.set_text(p, "a", "changed").apply(p)
    commands.set_edge(p, "b", "end", 3000).apply(p)
    commands.InsertBlock(block=Block("c", 3000, 4000)).apply(p)
    commands.SetStyle(style=Style(phrases=[Prompt("oil")])).apply(p)
    p.render.width = 512  # even in-place edits of the small mutable parts
    p.render.update_engine("draft", iterations=99)
    p.tags["ar"] = "someone"
    assert project_to_dict(snap) == before
    seen = []
    snap.changed.connect(seen.append)
    commands.set_text(p, "a", "again").apply(p)
    assert seen == []  # the snapshot has observers of its own
