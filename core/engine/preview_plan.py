"""What "Preview selection" renders, and what it costs, before it starts (Qt-free).

With per-block continuity a range needs only its own blocks' keyframes: the full render's own
plan. With chain continuity every keyframe warm-starts from the one before it, so a range far
into the song needs the whole chain before it; `plan_render` already starts from the nearest
*cached* ancestor. When that ancestor is near (at most `NEAR_KEYFRAMES` keyframes to compute
before the range) the preview renders the full render's keyframes, which later serve the full
render. Otherwise it is a **fresh start**: the selection's blocks alone, planned as a video of
their own (the first one a seeded random start with `iterations_first`), so one block costs a
block's keyframes, not the song's. Their keys come from their own specs (a random start where
the full render warm-starts), so they can never stand in for the full render's keyframes: the
cache stays content-addressed and the full render's states do not change.

`choose_preview(...)` returns the choice with the count of keyframes to compute, their
iterations and a time estimate (None when the engine gives none).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace

from dreamreel.core.engine.render import RenderPlan, plan_render
from dreamreel.core.events import Signal

NEAR_KEYFRAMES = 8  # uncached keyframes before the range a chain preview may still render
ASK_ABOVE_S = 60.0  # the editor asks before a render estimated to take longer than this


@dataclass(frozen=True)
class PreviewChoice:
    mode: str  # "plan": the full render's keyframes; "fresh": the selection on its own
    plan: RenderPlan  # what the job will compute (of the project, or of the selection alone)
    blocks: list | None  # "fresh": the blocks to render as their own video; else None
    ancestors: int  # keyframes before the range computed for the chain ("plan" only)
    seconds_per_iteration: float | None = None

    @property
    def keyframes(self) -> int:
        return len(self.plan.todo)

    @property
    def iterations(self) -> int:
        return self.plan.iterations_todo

    @property
    def estimate_s(self) -> float | None:
        spi = self.seconds_per_iteration
        return None if spi is None else self.iterations * spi

    def describe(self) -> str:
        """`3 keyframes (120 iterations), about 40 s · fresh start at the selection`."""
        est = self.estimate_s
        text = f"{self.keyframes} keyframe{'s' if self.keyframes != 1 else ''} ({self.iterations} iterations)"
        text += f", about {format_duration(est)}" if est is not None else ", time unknown"
        if self.mode == "fresh":
            text += " · preview: fresh start at the selection"
        elif self.ancestors:
            text += f" · {self.ancestors} of them earlier in the chain"
        return text


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return "under a second"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def choose_preview(project, states, cache, t_range_s: tuple[float, float], *,
                   seconds_per_iteration: float | None = None, near: int = NEAR_KEYFRAMES,
                   fresh: bool = True) -> PreviewChoice:
    """The preview of `t_range_s` (seconds) for the engine of `states` (the `EngineStates` of
    this project: its plan and what is cached). `fresh=False`: never a fresh start (Render
    selection fills the full render's cache), only the count and the estimate."""
    plan = plan_render(project, states.identity, cache, t_range=t_range_s, states=states)
    times = [k.t_ms for k in plan.keyframes]
    first_shown = max(0, bisect.bisect_right(times, int(t_range_s[0] * 1000)) - 1)
    ancestors = sum(1 for i in plan.todo if i < first_shown)
    if not fresh or project.render.continuity == "per-block" or ancestors <= near:
        return PreviewChoice("plan", plan, None, ancestors, seconds_per_iteration)
    t0, t1 = (int(t * 1000) for t in t_range_s)
    blocks = [b for b in project.blocks if b.end_ms > t0 and b.start_ms < t1]
    alone = replace(project, blocks=blocks, changed=Signal())  # (nobody listens to this copy)
    own = plan_render(alone, states.identity, cache, t_range=t_range_s, analysis=states.analysis)
    return PreviewChoice("fresh", own, blocks, 0, seconds_per_iteration)
