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
    with pytest.raises(CommandError, match=r"block 3 “c” would overlap block 2 “b”"):
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
    with pytest.raises(CommandError, match="after the end of the song"):
        C.move_blocks(project, ["C"], 6500).apply(project)
    with pytest.raises(CommandError, match=r"block 1 “a” would start before the song"):
        C.move_blocks(project, ["A"], -1).apply(project)


def test_resize_edges_and_minimum_length(project):
    check_undo(project, C.resize_block(project, "B", end_ms=2900))
    assert project.block("B").end_ms == 2900
    with pytest.raises(CommandError, match="shorter than 50 ms"):
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
    assert after[1] == ("B", "b / b", 1000, 2000)
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
    with pytest.raises(CommandError, match="would overlap"):
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
    # A touched B, so its end follows B's start (they keep touching)
    assert [(b.start_ms, b.end_ms) for b in project.blocks] == [(0, 1250), (1250, 2250), (3250, 4250)]
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
    with pytest.raises(CommandError, match="would overlap"):
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


@pytest.fixture
def touching():
    """Blocks as every imported LRC has them: each ends where the next begins; the last at the
    song's end."""
    return Project(audio=AudioRef("song.wav", duration_ms=4000),
                   blocks=[Block("a", 0, 1000, id="A"), Block("b", 1000, 2000, id="B"),
                           Block("c", 2000, 3000, id="C"), Block("d", 3000, 4000, id="D")])


def times(p):
    return [(b.start_ms, b.end_ms) for b in p.blocks]


def test_nudge_of_touching_blocks_carries_the_shared_edges(touching):
    after = check_undo(touching, C.nudge_blocks(touching, ["B"], 10))
    assert [a[2:] for a in after] == [(0, 1010), (1010, 2010), (2010, 3000), (3000, 4000)]
    C.nudge_blocks(touching, ["B", "C"], -100).apply(touching)
    assert times(touching) == [(0, 910), (910, 1910), (1910, 2900), (2900, 4000)]


def test_nudge_into_a_small_gap_pushes_the_neighbour_edge(project):
    C.nudge_blocks(project, ["B"], 400).apply(project)  # gap to C was 1000 ms: C untouched
    assert times(project)[1:] == [(1400, 2400), (3000, 4000)]
    C.nudge_blocks(project, ["B"], 1000).apply(project)  # runs 400 ms into C: C's start pushed back
    assert times(project) == [(0, 2400), (2400, 3400), (3400, 4000)]  # A touched B: its end followed


def test_nudges_of_one_selection_merge_even_when_a_neighbour_joins(project):
    first = C.nudge_blocks(project, ["B"], 500)
    first.apply(project)
    second = C.nudge_blocks(project, ["B"], 600)  # now also pushes C
    second.apply(project)
    assert first.merge(second)
    first.undo(project)
    assert times(project) == [(0, 1000), (1000, 2000), (3000, 4000)]


def test_ripple_nudge_moves_everything_after_and_clamps_at_the_end(touching):
    cmd = C.nudge_blocks(touching, ["B"], 100, ripple=True)
    check_undo(touching, cmd)
    assert times(touching) == [(0, 1100), (1100, 2100), (2100, 3100), (3100, 4000)]
    assert "block 4 “d” trimmed at the end of the song" in cmd.note


def test_shift_all_when_the_last_block_ends_at_the_song_end(touching):
    cmd = C.shift_all(touching, 2000, 250)
    check_undo(touching, cmd)
    assert times(touching) == [(0, 1000), (1000, 2250), (2250, 3250), (3250, 4000)]
    assert cmd.note.endswith("trimmed at the end of the song (00:04.000)")
    with pytest.raises(CommandError, match=r"block 4 “d” would start at 00:04.750, past the end of the song"):
        C.shift_all(touching, 3000, 1500)


def test_shift_all_backwards_trims_the_touching_block_before(touching):
    check_undo(touching, C.shift_all(touching, 2000, -300))
    assert times(touching) == [(0, 1000), (1000, 1700), (1700, 2700), (2700, 3700)]
    with pytest.raises(CommandError, match=r"block 2 “b” would be shorter than 50 ms"):
        C.shift_all(touching, 1700, -680).apply(touching)


def test_roll_edit_moves_both_sides_of_a_shared_edge(touching):
    check_undo(touching, C.roll_edge(touching, "B", "C", 2300))
    assert times(touching)[1:3] == [(1000, 2300), (2300, 3000)]
    with pytest.raises(CommandError, match="do not touch"):
        C.roll_edge(touching, "A", "C", 500)


@pytest.mark.parametrize("a, b, mode, text", [
    ("Meet me", "at the gate", "join", "Meet me / at the gate"),
    ("a cat:2", "a dog", "join", "a cat:2 | a dog"),  # each keeps its weight
    ("fire | ice:0.5", "smoke", "join", "fire | ice:0.5 | smoke"),
    ("Meet me", "at the gate", "first", "Meet me"),
])
def test_merge_modes(touching, a, b, mode, text):
    from dreamreel.core.engine.prompts import parse_prompts

    touching.blocks[0].text, touching.blocks[1].text = a, b
    C.MergeWithNext(block_id="A", mode=mode).apply(touching)
    merged = touching.blocks[0]
    assert (merged.text, merged.start_ms, merged.end_ms) == (text, 0, 2000)
    if mode == "join" and "|" in text:
        assert parse_prompts(text) == parse_prompts(a) + parse_prompts(b)


def test_set_edge_trims_what_it_runs_into_and_rolls_only_when_asked(touching):
    check_undo(touching, C.set_edge(touching, "B", "end", 2500))  # runs into C: C's start trimmed
    assert times(touching)[1:3] == [(1000, 2500), (2500, 3000)]
    C.set_edge(touching, "C", "start", 2700).apply(touching)  # later: a gap, B stays (Aegisub)
    assert times(touching)[1:3] == [(1000, 2500), (2700, 3000)]
    C.set_edge(touching, "A", "end", 800, roll=True).apply(touching)  # typed shared edge: rolls
    assert times(touching)[:2] == [(0, 800), (800, 2500)]
    with pytest.raises(CommandError, match="block 4 “d” would be shorter than 50 ms"):
        C.set_edge(touching, "C", "end", 3990).apply(touching)
