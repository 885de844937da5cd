"""What the keyframe cache holds for a project, computed off the GUI thread (Qt-free).

`compute_states(project, engines, cache_dir)` plans the project for each engine the
way a render would (beat-following effort included, so the keys match the render's) and
checks the cache: per block, how many keyframes are cached, the keys of its current plan, and
the preview PNG of its first keyframe. Planning can be slow the first time (the draft engine's
identity imports torch; an effort drive loads or computes the song's analysis), which is why
the editor runs this in a worker and hands the plain `EngineStates` back to the GUI thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

_engine_imported = threading.Event()


def engine_imported() -> bool:
    """True once a worker has finished importing the engine modules (torch): from then on the
    GUI thread may call the draft engine without paying (or waiting on) that import."""
    return _engine_imported.is_set()


@dataclass
class EngineStates:
    """The cache as seen by one engine's plan of one project snapshot."""

    engine: str
    identity: dict | None
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # block -> (cached, total)
    keys: dict[str, frozenset[str]] = field(default_factory=dict)  # block -> keys of its current plan
    previews: dict[str, str] = field(default_factory=dict)  # block -> PNG of its first keyframe
    plan: list[tuple] = field(default_factory=list)  # (t_ms, key, block_id, spec), video order
    error: str = ""


def engine_identity(project, engine_name: str) -> dict | None:
    """The cache identity of an engine, from the registry, without loading models (weight
    hashes are cached per file); None when it cannot be known (its files are missing)."""
    from dreamreel.core.engine import registry
    from dreamreel.core.errors import DreamreelError

    try:
        return registry.get(engine_name).identity(project.render)
    except DreamreelError:
        return None


def compute_states(project, engines, cache_dir: str | Path) -> dict[str, EngineStates]:
    """{engine: EngineStates} for `project` (a snapshot nobody else touches) and each engine."""
    from dreamreel.core.engine.cache import KeyframeCache

    cache = KeyframeCache(cache_dir)
    out = {}
    for name in dict.fromkeys(engines):
        try:
            out[name] = _states_for(project, name, cache)
        except Exception as e:  # noqa: BLE001 - a half-written cache must not break the timeline
            out[name] = EngineStates(name, None, error=f"{type(e).__name__}: {e}")
    import torch  # noqa: F401 - the preview's stand-in look decodes with it: import it here, not on the GUI thread

    _engine_imported.set()
    return out


def _states_for(project, name: str, cache) -> EngineStates:
    from dreamreel.core.engine.render import plan_render

    identity = engine_identity(project, name)
    result = EngineStates(name, identity)
    if identity is None or not project.blocks:
        return result
    plan = plan_render(project, identity, cache).keyframes
    counts: dict[str, list[int]] = {b.id: [0, 0] for b in project.blocks}
    keys: dict[str, set[str]] = {}
    for kf in plan:
        has = cache.has(kf.key)
        count = counts[kf.block_id]
        count[0] += has
        count[1] += 1
        keys.setdefault(kf.block_id, set()).add(kf.key)
        if kf.index == 0 and has:
            png = cache.preview_path(kf.key)
            if png is not None:
                result.previews[kf.block_id] = str(png)
        result.plan.append((kf.t_ms, kf.key, kf.block_id, kf.spec))
    result.counts = {k: (v[0], v[1]) for k, v in counts.items()}
    result.keys = {k: frozenset(v) for k, v in keys.items()}
    return result


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
