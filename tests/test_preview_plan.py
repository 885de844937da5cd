"""What Preview selection renders (core, Qt-free): in chain continuity a range far into the song
starts from the nearest cached ancestor when it is near, else from a fresh seeded start at the
selection whose keys are not the full render's; per-block continuity needs only the range."""

from dataclasses import replace

from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.preview_plan import NEAR_KEYFRAMES, choose_preview
from dreamreel.core.engine.render import plan_render
from dreamreel.core.engine.states import engine_identity, plan_states
from dreamreel.core.project import Block, Project


def song(continuity: str = "chain") -> Project:
    p = Project()
    p.render.engine = "draft"
    p.render.continuity = continuity
    p.render.keyframes_per_second = 2.0
    p.render.music.effort = 0.0
    p.blocks = [Block(f"line {i}", i * 1000, (i + 1) * 1000, id=f"b{i}") for i in range(60)]
    return p


def states_of(project, tmp_path, cached_before_ms: int | None = None):
    states = plan_states(project, engine_identity(project, "draft"), KeyframeCache(tmp_path))
    if cached_before_ms is not None:
        states = replace(states, cached=frozenset(k.key for k in states.keyframes if k.t_ms < cached_before_ms))
    return states


def test_far_into_an_uncached_chain_the_preview_is_a_fresh_start_with_keys_of_its_own(tmp_path):
    project = song()
    states = states_of(project, tmp_path)
    full_keys = {k.key for k in states.keyframes}
    choice = choose_preview(project, states, KeyframeCache(tmp_path), (50.0, 51.0), seconds_per_iteration=0.5)
    assert choice.mode == "fresh" and [b.id for b in choice.blocks] == ["b50"]
    assert choice.keyframes == 2  # the block's own two keyframes, not the 101 of the chain
    todo = [choice.plan.keyframes[i] for i in choice.plan.todo]
    assert todo[0].spec.init_key is None and todo[0].spec.seed == states.keyframes[100].spec.seed  # seeded start
    assert todo[0].spec.iterations == project.render.engine_settings().iterations_first
    assert not {k.key for k in todo} & full_keys  # never the full render's keys
    assert choice.estimate_s == choice.iterations * 0.5 and "fresh start" in choice.describe()
    # Render selection (fresh=False) counts the whole chain it needs
    whole = choose_preview(project, states, KeyframeCache(tmp_path), (50.0, 51.0), fresh=False)
    assert whole.mode == "plan" and whole.keyframes == 103 and whole.ancestors == 100  # (51.0 s blends in)


def test_a_near_cached_ancestor_starts_the_chain_there(tmp_path):
    project = song()
    states = states_of(project, tmp_path, cached_before_ms=48_000)  # 96 keyframes cached, 4 before the range not
    choice = choose_preview(project, states, KeyframeCache(tmp_path), (50.0, 51.0))
    assert choice.mode == "plan" and choice.ancestors == 4 <= NEAR_KEYFRAMES
    plan = choice.plan
    assert plan.keyframes[plan.needed[0]].t_ms == 47_500  # from the nearest cached ancestor, not 0
    assert len(plan.needed) == 8 and choice.keyframes == 7  # 47.5 (cached) .. 51.0
    assert {plan.keyframes[i].key for i in plan.needed} <= {k.key for k in states.keyframes}  # full-render keys
    # the CLI/export path shares plan_render: nothing cached means the whole chain, as before
    full = plan_render(project, states.identity, None, t_range=(50.0, 51.0), states=states_of(project, tmp_path))
    assert full.needed == list(range(103))


def test_per_block_continuity_needs_only_the_range(tmp_path):
    project = song("per-block")
    choice = choose_preview(project, states_of(project, tmp_path), KeyframeCache(tmp_path), (50.0, 51.0))
    assert choice.mode == "plan" and choice.ancestors == 0 and choice.keyframes == 3  # b50's two, b51's first
