"""Snapping and clamping for timeline drags. Pure Python (no Qt), so it is unit-tested alone.

A drag proposes new times; `Snapper` pulls an edge to the nearest candidate (beat, onset,
playhead, a neighbour's edge) within a tolerance given in milliseconds — the view converts its
pixel tolerance to ms at the current zoom — and names the target so the view can draw a guide.
The clamp helpers keep a drag inside the song and away from unselected neighbours.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from dreamreel.core.project import MIN_BLOCK_MS, Block

KINDS = ("beat", "onset", "playhead", "edge")


@dataclass
class SnapTarget:
    """Where an edge snapped to: the time and what is there (one of KINDS)."""

    t_ms: int
    kind: str


@dataclass
class Snapper:
    """Snap candidates by kind; each list is kept sorted."""

    beats: list[int] = field(default_factory=list)
    onsets: list[int] = field(default_factory=list)
    playhead: int | None = None
    edges: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.beats = sorted(int(t) for t in self.beats)
        self.onsets = sorted(int(t) for t in self.onsets)
        self.edges = sorted(int(t) for t in self.edges)

    def nearest(self, t_ms: int, tol_ms: float) -> SnapTarget | None:
        """The candidate for t_ms within tol_ms. A neighbour's edge wins over everything else in
        the radius (a beat 2 ms closer would leave an invisible gap between two lines); among
        the rest the closest wins, ties going to the playhead, then beats, then onsets."""
        edge = _closest(self.edges, t_ms)
        if edge is not None and abs(edge - t_ms) <= tol_ms:
            return SnapTarget(edge, "edge")
        best: SnapTarget | None = None
        best_d = tol_ms
        lists = (("playhead", [] if self.playhead is None else [self.playhead]),
                 ("beat", self.beats), ("onset", self.onsets))
        for kind, values in lists:
            c = _closest(values, t_ms)
            if c is not None and abs(c - t_ms) <= best_d and (best is None or abs(c - t_ms) < best_d):
                best, best_d = SnapTarget(c, kind), abs(c - t_ms)
        return best

    def snap(self, t_ms: int, tol_ms: float) -> tuple[int, SnapTarget | None]:
        """(snapped time, target) for one edge; the time is unchanged when nothing is near."""
        target = self.nearest(t_ms, tol_ms)
        return (target.t_ms, target) if target else (t_ms, None)

    def snap_delta(self, edges_ms: list[int], delta_ms: int, tol_ms: float) -> tuple[int, SnapTarget | None]:
        """Adjust a move delta so the moved edge closest to a candidate lands on it (an edge
        meeting a neighbour's edge wins over one meeting a beat, as in `nearest`)."""
        best: tuple[tuple[int, float], int, SnapTarget] | None = None
        for e in edges_ms:
            target = self.nearest(e + delta_ms, tol_ms)
            if target is not None:
                rank = (0 if target.kind == "edge" else 1, abs(target.t_ms - (e + delta_ms)))
                if best is None or rank < best[0]:
                    best = (rank, target.t_ms - e, target)
        return (best[1], best[2]) if best else (delta_ms, None)


def _closest(values: list[int], t: int) -> int | None:
    if not values:
        return None
    i = bisect_left(values, t)
    near = [values[j] for j in (i - 1, i) if 0 <= j < len(values)]
    return min(near, key=lambda v: abs(v - t))


def neighbour_edges(blocks: list[Block], moving: set[str]) -> list[int]:
    """Start and end times of the blocks that are not being dragged."""
    return [t for b in blocks if b.id not in moving for t in (b.start_ms, b.end_ms)]


def clamp_move(blocks: list[Block], moving: set[str], delta_ms: int, duration_ms: int | None) -> int:
    """Limit a move so the moved blocks stay in the song and do not cross an unselected neighbour.

    Blocks are sorted and non-overlapping, so each moved block is bounded by the nearest
    unmoved block on each side.
    """
    lo, hi = -10**12, 10**12
    prev_end = 0  # end of the nearest unmoved block before, or the song start
    pending: list[Block] = []  # moved blocks waiting for their right-hand bound
    for b in blocks:
        if b.id in moving:
            lo = max(lo, prev_end - b.start_ms)
            pending.append(b)
        else:
            for m in pending:
                hi = min(hi, b.start_ms - m.end_ms)
            pending = []
            prev_end = b.end_ms
    if duration_ms is not None:
        for m in pending:
            hi = min(hi, duration_ms - m.end_ms)
    if lo > hi:
        return 0
    return max(lo, min(hi, delta_ms))


def clamp_edge(blocks: list[Block], block_id: str, edge: str, t_ms: int, duration_ms: int | None,
               *, allow_overlap: bool = False) -> int:
    """Limit a resized edge ("start" or "end"): keep MIN_BLOCK_MS, the song, and the neighbour."""
    i = next(k for k, b in enumerate(blocks) if b.id == block_id)
    b = blocks[i]
    if edge == "start":
        lo = 0 if allow_overlap or i == 0 else blocks[i - 1].end_ms
        return max(lo, min(b.end_ms - MIN_BLOCK_MS, t_ms))
    hi = duration_ms if duration_ms is not None else 10**12
    if not allow_overlap and i + 1 < len(blocks):
        hi = min(hi, blocks[i + 1].start_ms)
    return min(hi, max(b.start_ms + MIN_BLOCK_MS, t_ms))


def touching_partner(blocks: list[Block], block_id: str, edge: str) -> Block | None:
    """The block sharing `edge` ("start" or "end") of block_id (touching, no gap), or None."""
    i = next(k for k, b in enumerate(blocks) if b.id == block_id)
    b = blocks[i]
    if edge == "end" and i + 1 < len(blocks) and blocks[i + 1].start_ms == b.end_ms:
        return blocks[i + 1]
    if edge == "start" and i > 0 and blocks[i - 1].end_ms == b.start_ms:
        return blocks[i - 1]
    return None


def clamp_roll(left: Block, right: Block, t_ms: int) -> int:
    """Limit a rolled shared edge so both blocks keep MIN_BLOCK_MS."""
    return max(left.start_ms + MIN_BLOCK_MS, min(right.end_ms - MIN_BLOCK_MS, t_ms))


def free_span(blocks: list[Block], t_ms: int, duration_ms: int | None) -> tuple[int, int] | None:
    """The empty gap (start, end) around t_ms, or None when t_ms is inside a block."""
    lo, hi = 0, duration_ms if duration_ms is not None else 10**12
    for b in blocks:
        if b.start_ms <= t_ms < b.end_ms:
            return None
        if b.end_ms <= t_ms:
            lo = max(lo, b.end_ms)
        elif b.start_ms > t_ms:
            hi = min(hi, b.start_ms)
            break
    return lo, hi
