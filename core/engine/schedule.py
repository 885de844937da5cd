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
from collections.abc import Callable, Mapping, Sequence
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
    reuse: Mapping[str, Sequence[PlannedKeyframe]] | None = None,
) -> list[PlannedKeyframe]:
    """The full keyframe schedule of `project` for an engine, in video order. The engine is
    the one `engine_identity` names (its "engine" entry), else the project's: its own settings
    give the iteration counts and the parameters hashed into each key.

    `effort_fn(times_s: list[float]) -> factors` (see `music.effort_factors`) scales each
    keyframe's iterations, for beat-following effort (a random start is only ever scaled up);
    None keeps the settings' counts. A factor depends on its time alone (it is called once, with
    the times of the keyframes planned afresh).

    `reuse`: {block_id: that block's keyframes from an earlier plan} for blocks known to be
    unchanged under the same identity, settings, style and song (the caller vouches for that;
    see `states.plan_states`). Their times, prompts and seeds are taken as they are; a keyframe
    whose warm start is still the same keeps its key, one whose predecessor changed gets a new
    init key and key (chain continuity: an edit invalidates every later keyframe of the chain
    up to the first one whose predecessor came out the same), and a block whose first keyframe
    became or stopped being the video's random start is planned afresh. Same result as a plan
    without `reuse`.
    """
    from dreamreel.core.engine import registry

    s = project.render
    entry = registry.get(engine_identity.get("engine") or s.engine)
    es, params = entry.settings(s), tuple(sorted(entry.key_params(s).items()))
    reuse = reuse or {}
    # Every block has at least one keyframe: the video's first block starts from random z, and
    # with per-block continuity every block's first keyframe does.
    kept: dict[int, Sequence[PlannedKeyframe]] = {}
    fresh: dict[int, list[int]] = {}  # block index -> its keyframe times
    for n, block in enumerate(project.blocks):
        old = reuse.get(block.id)
        if old and old[0].is_random_start == (n == 0 or s.continuity == "per-block"):
            kept[n] = old
        else:
            fresh[n] = keyframe_times_ms(block, s.keyframes_per_second)
    all_times = [t / 1000.0 for times in fresh.values() for t in times]
    factors = iter(effort_fn(all_times) if effort_fn and all_times else [1.0] * len(all_times))
    plan: list[PlannedKeyframe] = []
    prev_key: str | None = None
    for n, block in enumerate(project.blocks):
        if n in kept:
            plan.extend(_rekeyed(kept[n], prev_key, identity=engine_identity))
            prev_key = plan[-1].key
            continue
        prompts = compose_prompts(block, project.style)
        seed0 = block_seed(project, block)
        for index_in_block, t_ms in enumerate(fresh[n]):
            factor = next(factors)
            random_start = prev_key is None or (s.continuity == "per-block" and index_in_block == 0)
            base_iters = es.iterations_first if random_start else (
                block.iterations if block.iterations is not None else es.iterations
            )
            # Effort never lowers a random start: the picture must come out of random tokens even
            # when the song opens in silence (a quiet start would otherwise get 0 iterations).
            iters = max(0, int(round(base_iters * (max(factor, 1.0) if random_start else factor))))
            spec = KeyframeSpec(
                prompts=prompts,
                width=s.width,
                height=s.height,
                seed=(seed0 + index_in_block) % SEED_MOD,
                iterations=iters,
                init_key=None if random_start else prev_key,
                params=params,
            )
            key = keyframe_key(engine_identity, spec)
            plan.append(PlannedKeyframe(block.id, index_in_block, t_ms, spec, key))
            prev_key = key
    return plan


def _rekeyed(old: Sequence[PlannedKeyframe], prev_key: str | None, *, identity: dict) -> list[PlannedKeyframe]:
    """An unchanged block's keyframes after `prev_key` (the key just before its first one):
    each keyframe whose init key is still right is kept as it is; one whose predecessor's key
    changed gets that key as its init key, and so a new key (chain continuity: an edit reaches
    every later keyframe until one comes out the same)."""
    out: list[PlannedKeyframe] = []
    for kf in old:
        if kf.index == 0:
            init = None if kf.spec.init_key is None else prev_key
        else:
            init = out[-1].key
        if kf.spec.init_key != init:  # (no dataclasses.replace: this runs for a whole song's keyframes)
            old_spec = kf.spec
            spec = KeyframeSpec(old_spec.prompts, old_spec.width, old_spec.height, old_spec.seed,
                                old_spec.iterations, init, old_spec.params)
            kf = PlannedKeyframe(kf.block_id, kf.index, kf.t_ms, spec, keyframe_key(identity, spec))
        out.append(kf)
    return out


def with_ancestors(plan: list[PlannedKeyframe], indices, stop_at=frozenset()) -> list[int]:
    """`indices` plus every keyframe they (transitively) warm-start from, sorted. The walk back
    ends at a keyframe whose key is in `stop_at` (the cached ones: it warm-starts the next one
    from its stored latent, so what came before it is not needed)."""
    by_key = {k.key: i for i, k in enumerate(plan)}
    wanted = set(int(i) for i in indices)
    for i in list(wanted):
        while plan[i].spec.init_key is not None and plan[i].key not in stop_at:
            i = by_key[plan[i].spec.init_key]
            if i in wanted:
                break
            wanted.add(i)
    return sorted(wanted)
