"""Which keyframes a project needs, when they sit, and what each warm-starts from (DESIGN §3.3).

Keyframe times are anchored to each block's start: block start, start + 1/kps, ... (< end).
Moving one edge of a block therefore moves no keyframe of any other block, and resizing a
block only adds or drops keyframes at its own tail.

Continuity:
- ``chain``: every keyframe warm-starts from the previous keyframe of the video (across block
  boundaries); only the video's first keyframe starts from random z (`iterations_first`).
- ``per-block``: each block's first keyframe starts from random z with the block's own seed
  and `iterations_first`, so an edit never reaches past its block.

A block's seed is `block.seed` when set, else derived from the project seed and the block id
(stable when the block is moved). Keyframe *i* of a block uses seed + i so cutout noise differs
between keyframes while staying put under edge drags.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dreamreel.core.engine.base import KeyframeSpec
from dreamreel.core.engine.cache import keyframe_key
from dreamreel.core.engine.prompts import compose_prompts
from dreamreel.core.project import Block, Project

SEED_MOD = 2**31 - 1


@dataclass(frozen=True)
class PlannedKeyframe:
    """One keyframe of the schedule, in video order."""

    block_id: str
    index: int  # position within its block (0 = the block's first keyframe)
    t_ms: int  # time in the song
    spec: KeyframeSpec
    key: str  # cache key (engine identity + spec, spec.init_key included)

    @property
    def t_s(self) -> float:
        return self.t_ms / 1000.0

    @property
    def is_random_start(self) -> bool:
        return self.spec.init_key is None


def keyframe_times_ms(block: Block, keyframes_per_second: float) -> list[int]:
    """Keyframe times of one block: start, start + 1/kps, ... strictly before the end."""
    step_ms = 1000.0 / keyframes_per_second
    times, i = [], 0
    while True:
        t = block.start_ms + int(round(i * step_ms))
        if t >= block.end_ms or (i > 0 and t <= times[-1]):
            break
        times.append(t)
        i += 1
    return times or [block.start_ms]


def block_seed(project: Project, block: Block) -> int:
    """`block.seed`, or a seed derived from the project seed and the (stable) block id."""
    if block.seed is not None:
        return int(block.seed) % SEED_MOD
    digest = hashlib.sha256(f"{project.render.seed}:{block.id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % SEED_MOD


def plan_keyframes(
    project: Project,
    engine_identity: dict,
    *,
    effort_fn: Callable[[list[float]], Sequence[float]] | None = None,
) -> list[PlannedKeyframe]:
    """The full keyframe schedule of `project` for an engine, in video order. The engine is
    the one `engine_identity` names (its "engine" entry), else the project's: its own settings
    give the iteration counts and the parameters hashed into each key.

    `effort_fn(times_s: list[float]) -> factors` (see `music.effort_factors`) scales each
    keyframe's iterations, for beat-following effort (a random start is only ever scaled up);
    None keeps the settings' counts.
    """
    from dreamreel.core.engine import registry

    s = project.render
    entry = registry.get(engine_identity.get("engine") or s.engine)
    es, params = entry.settings(s), entry.key_params(s)
    timed = [(b, t) for b in project.blocks for t in keyframe_times_ms(b, s.keyframes_per_second)]
    factors = list(effort_fn([t / 1000.0 for _, t in timed])) if effort_fn else [1.0] * len(timed)
    plan: list[PlannedKeyframe] = []
    prev_key: str | None = None
    index_in_block = 0
    for n, ((block, t_ms), factor) in enumerate(zip(timed, factors)):
        index_in_block = index_in_block + 1 if plan and plan[-1].block_id == block.id else 0
        random_start = prev_key is None or (s.continuity == "per-block" and index_in_block == 0)
        base_iters = es.iterations_first if random_start else (
            block.iterations if block.iterations is not None else es.iterations
        )
        # Effort never lowers a random start: the picture must come out of random tokens even
        # when the song opens in silence (a quiet start would otherwise get 0 iterations).
        iters = max(0, int(round(base_iters * (max(factor, 1.0) if random_start else factor))))
        spec = KeyframeSpec(
            prompts=compose_prompts(block, project.style),
            width=s.width,
            height=s.height,
            seed=(block_seed(project, block) + index_in_block) % SEED_MOD,
            iterations=iters,
            init_key=None if random_start else prev_key,
            params=tuple(sorted(params.items())),
        )
        key = keyframe_key(engine_identity, spec)
        plan.append(PlannedKeyframe(block.id, index_in_block, t_ms, spec, key))
        prev_key = key
    return plan


def with_ancestors(plan: list[PlannedKeyframe], indices) -> list[int]:
    """`indices` plus every keyframe they (transitively) warm-start from, sorted."""
    by_key = {k.key: i for i, k in enumerate(plan)}
    wanted = set(int(i) for i in indices)
    for i in list(wanted):
        while plan[i].spec.init_key is not None:
            i = by_key[plan[i].spec.init_key]
            if i in wanted:
                break
            wanted.add(i)
    return sorted(wanted)
