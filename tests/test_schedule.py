"""Keyframe schedule: anchoring to block starts, continuity modes, seeds, ranges."""

from __future__ import annotations

import copy

from dreamreel.core.engine.schedule import block_seed, keyframe_times_ms, with_ancestors, plan_keyframes
from dreamreel.core.project import Block, Project

IDENT = {"engine": "draft", "engine_version": "test"}


def project(continuity="chain", kps=2.0):
    p = Project(blocks=[Block("a", 0, 1600, id="A"), Block("b", 1600, 3000, id="B"), Block("c", 3200, 4100, id="C")])
    p.render.keyframes_per_second = kps
    p.render.continuity = continuity
    p.render.update_engine("draft", iterations_first=50, iterations=7)
    return p


def by_block(plan):
    out = {}
    for k in plan:
        out.setdefault(k.block_id, []).append(k)
    return out


def test_keyframe_times_anchor_at_block_start_and_stop_before_end():
    assert keyframe_times_ms(Block("x", 1000, 2600), 2.0) == [1000, 1500, 2000, 2500]
    assert keyframe_times_ms(Block("x", 1000, 2500), 2.0) == [1000, 1500, 2000]
    assert keyframe_times_ms(Block("x", 333, 1333), 3.0) == [333, 666, 1000]
    assert keyframe_times_ms(Block("x", 0, 100), 2.0) == [0]  # a short block still gets one


def test_moving_b_end_changes_no_keyframe_time_of_a_or_c_start():
    p = project("per-block")
    before = by_block(plan_keyframes(p, IDENT))
    p.blocks[1].end_ms = 2400  # shrink B
    after = by_block(plan_keyframes(p, IDENT))
    assert [k.t_ms for k in before["A"]] == [k.t_ms for k in after["A"]]
    assert [k.key for k in before["A"]] == [k.key for k in after["A"]]
    assert [k.key for k in before["C"]] == [k.key for k in after["C"]]  # per-block: C untouched
    assert [k.t_ms for k in after["B"]] == [1600, 2100]
    # The surviving B keyframes keep their keys: only the dropped tail is gone.
    assert [k.key for k in after["B"]] == [k.key for k in before["B"][:2]]


def test_moving_b_start_changes_only_b_in_per_block_mode():
    p = project("per-block")
    before = by_block(plan_keyframes(p, IDENT))
    p.blocks[1].start_ms = 1700
    after = by_block(plan_keyframes(p, IDENT))
    assert [k.t_ms for k in after["B"]] == [1700, 2200, 2700]
    assert [k.key for k in before["A"]] == [k.key for k in after["A"]]
    assert [k.key for k in before["C"]] == [k.key for k in after["C"]]


def test_chain_mode_every_keyframe_starts_from_the_previous_one():
    plan = plan_keyframes(project("chain"), IDENT)
    assert plan[0].spec.init_key is None and plan[0].spec.iterations == 50
    for prev, k in zip(plan, plan[1:]):
        assert k.spec.init_key == prev.key
        assert k.spec.iterations == 7


def test_per_block_mode_each_block_starts_from_random_with_its_own_seed():
    plan = plan_keyframes(project("per-block"), IDENT)
    firsts = [k for k in plan if k.index == 0]
    assert [k.block_id for k in firsts] == ["A", "B", "C"]
    assert all(k.spec.init_key is None and k.spec.iterations == 50 for k in firsts)
    assert len({k.spec.seed for k in firsts}) == 3
    for prev, k in zip(plan, plan[1:]):
        if k.index > 0:
            assert k.spec.init_key == prev.key and prev.block_id == k.block_id


def test_seed_survives_a_move_and_block_overrides_apply():
    p = project("per-block")
    seed_b = block_seed(p, p.blocks[1])
    moved = copy.deepcopy(p)
    moved.blocks[1].start_ms, moved.blocks[1].end_ms = 1700, 3100
    assert block_seed(moved, moved.blocks[1]) == seed_b
    assert block_seed(p, p.blocks[0]) != seed_b
    p.blocks[1].seed, p.blocks[1].iterations = 1234, 11
    plan = by_block(plan_keyframes(p, IDENT))
    assert plan["B"][0].spec.seed == 1234
    assert plan["B"][1].spec.iterations == 11
    p.render.seed = 5  # the project seed changes derived seeds
    assert block_seed(p, p.blocks[0]) != block_seed(project("per-block"), p.blocks[0])


def test_editing_text_in_chain_mode_changes_that_block_and_everything_after():
    p = project("chain")
    before = plan_keyframes(p, IDENT)
    p.blocks[1].text = "b, edited"
    after = plan_keyframes(p, IDENT)
    changed = [a.key != b.key for a, b in zip(before, after)]
    first_b = next(i for i, k in enumerate(before) if k.block_id == "B")
    assert changed == [False] * first_b + [True] * (len(before) - first_b)


def test_engine_identity_and_effort_go_into_the_key():
    p = project()
    a = plan_keyframes(p, IDENT)
    b = plan_keyframes(p, {**IDENT, "engine_version": "2"})
    assert all(x.key != y.key for x, y in zip(a, b))
    c = plan_keyframes(p, IDENT, effort_fn=lambda times: [2.0 if t >= 1.6 else 1.0 for t in times])
    assert [k.spec.iterations for k in c if k.block_id == "A"] == [50, 7, 7, 7]
    assert all(k.spec.iterations == 14 for k in c if k.block_id != "A")


def test_with_ancestors_follows_init_keys():
    plan = plan_keyframes(project("per-block"), IDENT)
    times = [k.t_s for k in plan]  # A: 0 .5 1 1.5 | B: 1.6 2.1 2.6 | C: 3.2 3.7
    assert [times[i] for i in with_ancestors(plan, [times.index(2.6), times.index(3.7)])] == [1.6, 2.1, 2.6, 3.2, 3.7]
    chain = plan_keyframes(project("chain"), IDENT)
    assert with_ancestors(chain, [len(chain) - 1]) == list(range(len(chain)))


def test_effort_never_starves_a_random_start():
    silent = lambda times: [0.0] * len(times)  # noqa: E731 - effort 1 in total silence
    chain = plan_keyframes(project("chain"), IDENT, effort_fn=silent)
    assert chain[0].spec.iterations == 50 and all(k.spec.iterations == 0 for k in chain[1:])
    per_block = plan_keyframes(project("per-block"), IDENT, effort_fn=silent)
    assert [k.spec.iterations for k in per_block if k.index == 0] == [50, 50, 50]
    loud = plan_keyframes(project("chain"), IDENT, effort_fn=lambda times: [1.5] * len(times))
    assert loud[0].spec.iterations == 75  # scaling up still applies
