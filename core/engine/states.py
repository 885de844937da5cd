"""What the keyframe cache holds for a project's plan: the one place block states are computed.

`plan_states(project, identity, cache)` plans the project for one engine the way a render does
(beat-following effort included, so the keys match the render's) and looks each key up in the
cache once. It serves the CLI (`render` and `render --dry-run` plan through it:
`render.plan_render`), the export estimate, and the editor, whose states worker calls
`compute_states` (every engine it shows) off the GUI thread and combines the result with what
the session saw (`combine_states`, cheap).

Incremental: given the `previous` states of an earlier snapshot and the ids of the blocks
edited since (`changed`, from `Change.block_ids`/`added` of the edits), only those blocks are
planned afresh; the other blocks keep their keyframes, re-keyed along the chain when a
predecessor's key changed (chain continuity: an edit invalidates the later keyframes of the
chain until one comes out the same), and keep their cache lookups unless `recheck` (the cache
changed: a render wrote, a clear deleted). A change of identity, render settings, style or
song plans everything again.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dreamreel.core.engine.cache import KeyframeCache, canonical_json
from dreamreel.core.engine.schedule import PlannedKeyframe

_engine_imported = threading.Event()


def engine_imported() -> bool:
    """True once a states worker has finished importing the engine modules (torch): from then
    on the GUI thread may call the draft engine without paying (or waiting on) that import."""
    return _engine_imported.is_set()


@dataclass
class EngineStates:
    """The cache as seen by one engine's plan of one project snapshot."""

    engine: str
    identity: dict | None
    keyframes: list[PlannedKeyframe] = field(default_factory=list)  # the plan, video order
    cached: frozenset[str] = frozenset()  # keys of `keyframes` that are in the cache
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # block -> (cached, total)
    keys: dict[str, frozenset[str]] = field(default_factory=dict)  # block -> keys of its current plan
    previews: dict[str, str] = field(default_factory=dict)  # block -> PNG of its first keyframe
    plan: list[tuple] = field(default_factory=list)  # (t_ms, key, block_id, spec), video order
    error: str = ""
    analysis: object = None  # the song analysis the plan used (None: no music drive)
    context: tuple = ()  # what every key depends on besides the blocks (see _context)
    blocks: dict = field(default_factory=dict)  # block id -> fingerprint of what its keys depend on
    replanned: int = 0  # blocks this computation planned afresh (the others were reused)


def engine_identity(project, engine_name: str) -> dict | None:
    """The cache identity of an engine, from the registry, without loading models (weight
    hashes are cached per file); None when it cannot be known (its files are missing)."""
    from dreamreel.core.engine import registry
    from dreamreel.core.errors import DreamreelError

    try:
        return registry.get(engine_name).identity(project.render)
    except DreamreelError:
        return None


def _fingerprint(block) -> tuple:
    """Everything of a block its keyframes depend on (`schedule.plan_keyframes`): a copy, so an
    in-place edit of the block is seen too."""
    return (block.text, block.prompt_syntax, block.start_ms, block.end_ms, block.seed, block.iterations,
            None if block.style is None else repr(block.style), block.style_mode)


def _context(project, identity: dict, cache: KeyframeCache) -> tuple:
    audio = project.audio
    return (canonical_json(identity), copy.deepcopy(project.render), copy.deepcopy(project.style), str(cache.root),
            (audio.path, audio.sha256, audio.duration_ms) if audio is not None else None,
            str(project.path) if project.path is not None else None)


def plan_states(project, identity: dict, cache: KeyframeCache, *, analysis=None,
                previous: EngineStates | None = None, changed: Iterable[str] | None = None,
                recheck: bool = True, engine: str | None = None) -> EngineStates:
    """The plan of `project` for the engine `identity` names and what the cache holds of it.

    `previous` + `changed`: the states of an earlier snapshot and the ids of the blocks edited
    (changed or added) since, from the edits' `Change`s: those are planned afresh; every other
    block is compared with what `previous` planned for it (a tuple compare: an edit that bypassed
    the commands is still seen), so `changed=None` is correct too. `recheck=False` trusts `previous`'s cache
    lookups for the keys it already had (nothing wrote to or deleted from the cache since).
    `analysis`: the song's analysis when the caller has it; else loaded when a music drive
    needs it (reused from `previous` for the same song)."""
    from dreamreel.core.engine.render import load_analysis, music_effort_fn

    engine = engine or identity.get("engine") or project.render.engine
    context = _context(project, identity, cache)
    if previous is not None and (previous.identity is None or previous.context != context or previous.error):
        previous = None
    if analysis is None:
        analysis = previous.analysis if previous is not None else load_analysis(project, cache)
    result = EngineStates(engine, identity, analysis=analysis, context=context)
    if not project.blocks:
        return result
    reuse = {}
    if previous is not None:
        old_by_block: dict[str, list[PlannedKeyframe]] = {}
        for kf in previous.keyframes:
            old_by_block.setdefault(kf.block_id, []).append(kf)
        dirty = frozenset(changed or ())
        for b in project.blocks:
            if b.id not in dirty and b.id in old_by_block and previous.blocks.get(b.id) == _fingerprint(b):
                reuse[b.id] = old_by_block[b.id]
    from dreamreel.core.engine.schedule import plan_keyframes

    keyframes = plan_keyframes(project, identity, effort_fn=music_effort_fn(project, analysis), reuse=reuse)
    result.keyframes = keyframes
    result.blocks = {b.id: _fingerprint(b) for b in project.blocks}
    result.replanned = len(project.blocks) - len(reuse)
    known = previous.cached if previous is not None and not recheck else None
    old_keys = {kf.key for kf in previous.keyframes} if known is not None else set()
    cached = set()
    for kf in keyframes:  # one lookup per key: reused from `previous` when allowed
        if kf.key in old_keys:
            if kf.key in known:
                cached.add(kf.key)
        elif cache.has(kf.key):
            cached.add(kf.key)
    result.cached = frozenset(cached)
    counts: dict[str, list[int]] = {b.id: [0, 0] for b in project.blocks}
    keys: dict[str, set[str]] = {}
    plan = result.plan
    for kf in keyframes:
        has = kf.key in cached
        count = counts[kf.block_id]
        count[0] += has
        count[1] += 1
        keys.setdefault(kf.block_id, set()).add(kf.key)
        if kf.index == 0 and has:  # the PNG is written before the latent: a cached key has one
            result.previews[kf.block_id] = str(cache.png_path(kf.key))
        plan.append((kf.t_ms, kf.key, kf.block_id, kf.spec))
    result.counts = {k: (v[0], v[1]) for k, v in counts.items()}
    result.keys = {k: frozenset(v) for k, v in keys.items()}
    return result


def compute_states(project, engines, cache_dir: str | Path, *, previous: dict[str, EngineStates] | None = None,
                   changed: Iterable[str] | None = None, recheck: bool = True) -> dict[str, EngineStates]:
    """{engine: EngineStates} for `project` (a snapshot nobody else touches) and each engine
    (the editor's states worker; see `plan_states` for `previous`, `changed`, `recheck`)."""
    cache = KeyframeCache(cache_dir)
    previous = previous or {}
    changed = None if changed is None else frozenset(changed)
    out = {}
    for name in dict.fromkeys(engines):
        try:
            identity = engine_identity(project, name)
            if identity is None:
                out[name] = EngineStates(name, None)
                continue
            out[name] = plan_states(project, identity, cache, previous=previous.get(name), changed=changed,
                                    recheck=recheck, engine=name)
        except Exception as e:  # noqa: BLE001 - a half-written cache must not break the timeline
            out[name] = EngineStates(name, None, error=f"{type(e).__name__}: {e}")
    import torch  # noqa: F401 - the preview's stand-in look decodes with it: import it here, not on the GUI thread

    _engine_imported.set()
    return out


def combine_states(project, states: EngineStates | None, *, seen, pending, job_blocks,
                   current_fraction: float) -> dict[str, tuple[str, float]]:
    """{block_id: (state, fraction)} from the cache picture plus what this session saw.
    state in none/queued/rendering/cached/stale; fraction: how far "rendering" is (0..1),
    else the share of keyframes cached. Cheap: no file access."""
    counts = states.counts if states is not None else {}
    current = states.keys if states is not None else {}
    pending_blocks = set(pending.values())
    rendering = pending[next(iter(pending))] if pending else None
    out: dict[str, tuple[str, float]] = {}
    for b in project.blocks:
        n_cached, n_total = counts.get(b.id, (0, 0))
        share = n_cached / n_total if n_total else 0.0
        if b.id == rendering:
            keys = job_blocks.get(b.id, [])
            done = sum(1 for k in keys if k not in pending)
            out[b.id] = ("rendering", (done + current_fraction) / max(1, len(keys)))
        elif b.id in pending_blocks:
            out[b.id] = ("queued", share)
        elif n_total and n_cached == n_total:
            out[b.id] = ("cached", 1.0)
        elif seen.get(b.id, set()) - current.get(b.id, frozenset()):
            out[b.id] = ("stale", share)
        else:
            out[b.id] = ("none", share)
    return out
