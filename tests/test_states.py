"""Block states in core (`core/engine/states.py`): incremental updates from an edit's Change
give exactly what planning from scratch gives, and re-plan only what the edit touched."""

from __future__ import annotations

import random

import pytest

from dreamreel.core import commands
from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.render import load_analysis, render_keyframes
from dreamreel.core.engine.states import plan_states
from dreamreel.core.project import Block, Prompt, Style
from test_render_support import counting_draft, make_project

TEXTS = ["red fire", "blue ocean", "green forest", "violet storm", "golden sun", "white snow"]


def _project(tmp_path, continuity):
    blocks = [(TEXTS[i % len(TEXTS)], i * 0.5, i * 0.5 + 0.45) for i in range(10)]
    return make_project(tmp_path, seconds=6.0, blocks=blocks, continuity=continuity)


def _random_edit(project, rng):
    ids = [b.id for b in project.blocks]
    bid = rng.choice(ids)
    b = project.block(bid)
    kind = rng.choice(["text", "edge", "nudge", "delete", "split", "insert", "seed"])
    if kind == "text":
        return commands.set_text(project, bid, rng.choice(TEXTS) + f" {rng.randint(0, 9)}")
    if kind == "edge":
        return commands.set_edge(project, bid, rng.choice(["start", "end"]),
                                 max(0, min(6000, rng.choice([b.start_ms, b.end_ms]) + rng.randint(-400, 400))))
    if kind == "nudge":
        return commands.nudge_blocks(project, [bid], rng.choice([-100, -10, 10, 100]))
    if kind == "delete" and len(ids) > 2:
        return commands.DeleteBlocks(ids=[bid])
    if kind == "split" and b.duration_ms > 200:
        return commands.SplitBlock(block_id=bid, at_ms=b.start_ms + b.duration_ms // 2)
    if kind == "insert" and project.blocks[-1].end_ms < 5800:
        return commands.InsertBlock(block=Block("new block", project.blocks[-1].end_ms, 6000))
    return commands.SetBlockFields(block_id=bid, fields={"seed": rng.randint(0, 99)})


@pytest.mark.parametrize("continuity,effort", [("chain", 0.0), ("chain", 1.0), ("per-block", 0.0)])
def test_incremental_states_equal_a_full_plan_after_every_edit(tmp_path, continuity, effort):
    project = _project(tmp_path, continuity)
    project.render.music.effort = effort
    cache = KeyframeCache(tmp_path / "cache")
    ident = counting_draft().identity()
    render_keyframes(project, counting_draft(), cache, t_range=(0.0, 3.0), analysis=load_analysis(project, cache))
    changes = []
    project.changed.connect(changes.append)
    states = plan_states(project, ident, cache)
    rng = random.Random(7)
    edits = undone = 0
    while edits < 40:
        cmd = _random_edit(project, rng)
        try:
            cmd.apply(project)
        except commands.CommandError:
            continue
        edits += 1
        if rng.random() < 0.25:
            cmd.undo(project)
            undone += 1
        touched = set().union(*(c.block_ids | c.added for c in changes))
        changes.clear()
        states = plan_states(project, ident, cache, previous=states, changed=touched, recheck=False)
        full = plan_states(project, ident, cache)
        assert [(k.block_id, k.index, k.t_ms, k.key) for k in states.keyframes] == \
            [(k.block_id, k.index, k.t_ms, k.key) for k in full.keyframes]
        assert (states.counts, states.keys, states.previews, states.plan) == \
            (full.counts, full.keys, full.previews, full.plan)
    assert undone > 0


def test_an_edit_replans_only_its_blocks_and_rekeys_the_rest_of_the_chain(tmp_path):
    project = _project(tmp_path, "chain")
    cache = KeyframeCache(tmp_path / "cache")
    ident = counting_draft().identity()
    before = plan_states(project, ident, cache)
    assert before.replanned == len(project.blocks)
    b3 = project.blocks[3].id
    commands.set_text(project, b3, "black storm").apply(project)
    after = plan_states(project, ident, cache, previous=before, changed={b3}, recheck=False)
    assert after.replanned == 1
    old = {b: k for b, k in before.keys.items()}
    ids = [b.id for b in project.blocks]
    assert all(after.keys[b] == old[b] for b in ids[:3])  # before the edit: untouched
    assert all(after.keys[b] != old[b] for b in ids[3:])  # the edited block and the chain after it
    # A change outside the blocks (the style) re-plans every block.
    commands.SetStyle(style=Style(phrases=[Prompt("oil painting")])).apply(project)
    assert plan_states(project, ident, cache, previous=after, changed=set()).replanned == len(ids)


def test_an_edit_that_bypasses_the_commands_is_still_seen(tmp_path):
    project = _project(tmp_path, "per-block")
    cache = KeyframeCache(tmp_path / "cache")
    ident = counting_draft().identity()
    before = plan_states(project, ident, cache)
    project.blocks[2].text = "changed in place"
    after = plan_states(project, ident, cache, previous=before, changed=set())
    assert after.replanned == 1 and after.keys == plan_states(project, ident, cache).keys


def test_recheck_sees_what_a_render_wrote(tmp_path):
    project = _project(tmp_path, "chain")
    cache = KeyframeCache(tmp_path / "cache")
    ident = counting_draft().identity()
    before = plan_states(project, ident, cache)
    assert not before.cached
    render_keyframes(project, counting_draft(), cache)
    assert plan_states(project, ident, cache, previous=before, changed=set(), recheck=False).cached == frozenset()
    again = plan_states(project, ident, cache, previous=before, changed=set(), recheck=True)
    assert again.cached == {k.key for k in again.keyframes} and again.replanned == 0
