import pytest

from dreamreel.core import commands as C
from dreamreel.core.errors import CommandError
from dreamreel.core.project import AudioRef, Block, Project, Prompt, RenderSettings, Style


@pytest.fixture
def project():
    p = Project(
        audio=AudioRef("song.wav", duration_ms=10_000),
        blocks=[Block("a", 0, 1000, id="A"), Block("b", 1000, 2000, id="B"), Block("c", 3000, 4000, id="C")],
        tags={"ti": "Song", "offset": "+500"},
    )
    p.events = []
    p.changed.connect(p.events.append)
    return p


def snapshot(p):
    return [(b.id, b.text, b.start_ms, b.end_ms) for b in p.blocks]


def check_undo(p, cmd):
    before = snapshot(p)
    cmd.apply(p)
    after = snapshot(p)
    cmd.undo(p)
    assert snapshot(p) == before
    cmd.apply(p)  # redo
    assert snapshot(p) == after
    return after


def test_move_into_gap_and_undo(project):
    after = check_undo(project, C.move_blocks(project, ["C"], -800))
    assert after[2] == ("C", "c", 2200, 3200)
    assert project.events[-1].block_ids == {"C"}


def test_move_rejected_on_overlap_changes_nothing(project):
    before = snapshot(project)
    with pytest.raises(CommandError, match="overlaps"):
        C.move_blocks(project, ["C"], -1500).apply(project)
    assert snapshot(project) == before
    assert project.events == []


def test_overlap_allowed_explicitly(project):
    C.move_blocks(project, ["C"], -1500, allow_overlap=True).apply(project)
    assert project.block("C").start_ms == 1500


def test_multi_select_move_is_one_command(project):
    after = check_undo(project, C.move_blocks(project, ["B", "C"], 500))
    assert after[1:] == [("B", "b", 1500, 2500), ("C", "c", 3500, 4500)]


def test_move_past_song_end_or_before_zero_rejected(project):
    with pytest.raises(CommandError, match="past the end"):
        C.move_blocks(project, ["C"], 6500).apply(project)
    with pytest.raises(CommandError, match=">= 0"):
        C.move_blocks(project, ["A"], -1).apply(project)


def test_resize_edges_and_minimum_length(project):
    check_undo(project, C.resize_block(project, "B", end_ms=2900))
    assert project.block("B").end_ms == 2900
    with pytest.raises(CommandError, match="at least 50 ms"):
        C.resize_block(project, "B", start_ms=2880).apply(project)


def test_moving_past_a_neighbour_reorders(project):
    C.move_blocks(project, ["A"], 5000).apply(project)
    assert [b.id for b in project.blocks] == ["B", "C", "A"]


def test_nudges_merge(project):
    first = C.nudge_blocks(project, ["C"], 10)
    first.apply(project)
    second = C.nudge_blocks(project, ["C"], 10)
    second.apply(project)
    assert first.merge(second)
    first.undo(project)
    assert project.block("C").start_ms == 3000
    assert not first.merge(C.move_blocks(project, ["C"], 10))


def test_split_and_merge(project):
    project.blocks[1].stanza_break = True  # a verse starts at B: only the left half keeps that
    split = C.SplitBlock(block_id="B", at_ms=1400, new_id="B2")
    after = check_undo(project, split)
    assert after[1:3] == [("B", "b", 1000, 1400), ("B2", "b", 1400, 2000)]
    assert [project.block(i).stanza_break for i in ("B", "B2")] == [True, False]
    merge = C.MergeWithNext(block_id="B")
    after = check_undo(project, merge)
    assert after[1] == ("B", "b b", 1000, 2000)
    with pytest.raises(CommandError, match="at least 50 ms"):
        C.SplitBlock(block_id="A", at_ms=20).apply(project)
    with pytest.raises(CommandError, match="last block"):
        C.MergeWithNext(block_id="C").apply(project)


def test_insert_delete(project):
    check_undo(project, C.InsertBlock(block=Block("new", 2000, 3000, id="N")))
    assert [b.id for b in project.blocks] == ["A", "B", "N", "C"]
    assert project.events[-1].added == {"N"}
    check_undo(project, C.DeleteBlocks(ids=["A", "N"]))
    assert [b.id for b in project.blocks] == ["B", "C"]
    with pytest.raises(CommandError, match="no block"):
        C.DeleteBlocks(ids=["zzz"]).apply(project)
    with pytest.raises(CommandError, match="overlaps"):
        C.InsertBlock(block=Block("x", 500, 1500)).apply(project)


def test_set_text_and_fields(project):
    after = check_undo(project, C.set_text(project, "A", "new words", secondary="trans"))
    assert after[0] == ("A", "new words", 0, 1000)
    assert project.block("A").secondary == "trans"
    C.SetBlockFields(block_id="A", fields={"seed": 3, "style": Style([Prompt("dark")])}).apply(project)
    assert project.block("A").seed == 3 and project.block("A").style.phrases[0].text == "dark"
    with pytest.raises(CommandError, match="cannot set start_ms"):
        C.SetBlockFields(block_id="A", fields={"start_ms": 5}).apply(project)


def test_shift_all_ripples_from_a_time(project):
    check_undo(project, C.shift_all(project, 1000, 250))
    assert [(b.start_ms, b.end_ms) for b in project.blocks] == [(0, 1000), (1250, 2250), (3250, 4250)]
    with pytest.raises(CommandError):
        C.shift_all(project, 0, -100).apply(project)


def test_style_render_and_bake_offset(project):
    style = C.SetStyle(style=Style([Prompt("oil painting", 0.8)]))
    style.apply(project)
    assert project.style.phrases[0].weight == 0.8
    style.undo(project)
    assert project.style.phrases == []
    with pytest.raises(CommandError, match="fps"):
        C.SetRenderSettings(settings=RenderSettings(fps=0)).apply(project)
    bake = C.bake_offset(project)
    bake.apply(project)
    assert project.tags == {"ti": "Song"}
    bake.undo(project)
    assert project.tags["offset"] == "+500"
    assert [e.kind for e in project.events] == ["style", "style", "tags", "tags"]


def test_set_audio_rejects_song_shorter_than_blocks(project):
    from dreamreel.core.project import AudioRef

    with pytest.raises(CommandError, match="after the end of the new song"):
        C.SetAudio(audio=AudioRef("short.wav", duration_ms=3500)).apply(project)
    assert project.audio.duration_ms == 10_000
    cmd = C.SetAudio(audio=AudioRef("long.wav", duration_ms=60_000))
    cmd.apply(project)
    assert project.audio.path == "long.wav"
    cmd.undo(project)
    assert project.audio.path == "song.wav"


def test_existing_overlap_does_not_block_unrelated_edits(project):
    C.move_blocks(project, ["C"], -1500, allow_overlap=True).apply(project)  # C now overlaps B
    C.set_text(project, "A", "still editable").apply(project)
    C.move_blocks(project, ["A"], 0).apply(project)
    with pytest.raises(CommandError, match="overlaps"):
        C.resize_block(project, "B", end_ms=2100).apply(project)  # touching B re-checks B/C


@pytest.mark.parametrize("fields, message", [
    ({"seed": "7"}, "seed must be a whole number"),
    ({"iterations": 2.5}, "iterations must be a whole number"),
    ({"iterations": -1}, "iterations must be a whole number"),
    ({"text": None}, "text must be text"),
    ({"style": Style([Prompt("dark", float("nan"))])}, "weight: must be a finite number"),
])
def test_block_fields_are_type_checked(project, fields, message):
    with pytest.raises(CommandError, match=message):
        C.SetBlockFields(block_id="A", fields=fields).apply(project)
    assert project.block("A").seed is None and project.events == []


def test_style_weights_must_be_finite(project):
    with pytest.raises(CommandError, match="finite"):
        C.SetStyle(style=Style([Prompt("dark", float("inf"))])).apply(project)
