"""Snapping and clamping for timeline drags (pure Python, no Qt)."""

from dreamreel.core.project import Block
from dreamreel.core.snapping import Snapper, clamp_edge, clamp_move, free_span, neighbour_edges


def blocks():
    return [Block("a", 1000, 2000, id="a"), Block("b", 3000, 4000, id="b"), Block("c", 6000, 7000, id="c")]


def test_snap_to_nearest_within_tolerance():
    s = Snapper(beats=[500, 1500, 2500], onsets=[1540], playhead=None)
    assert s.snap(1520, 50) == (1500, s.nearest(1520, 50))
    assert s.nearest(1520, 50).kind == "beat"
    assert s.snap(1535, 50)[0] == 1540  # the onset is closer
    assert s.snap(2000, 50) == (2000, None)


def test_playhead_wins_a_tie_and_tolerance_zero_never_snaps():
    s = Snapper(beats=[1000], playhead=1000)
    assert s.nearest(1010, 20).kind == "playhead"
    assert s.snap(1010, -1) == (1010, None)


def test_snap_delta_lands_the_closest_edge():
    s = Snapper(beats=[5000])
    delta, target = s.snap_delta([1000, 2000], 2980, 50)  # end edge 2000 -> 4980, near 5000
    assert delta == 3000 and target.t_ms == 5000


def test_clamp_move_stops_at_unselected_neighbours_and_song_bounds():
    bl = blocks()
    assert clamp_move(bl, {"b"}, 5000, 10000) == 2000  # b's end stops at c's start
    assert clamp_move(bl, {"b"}, -5000, 10000) == -1000  # b's start stops at a's end
    assert clamp_move(bl, {"a"}, -5000, 10000) == -1000  # song start
    assert clamp_move(bl, {"c"}, 9000, 8000) == 1000  # song end
    assert clamp_move(bl, {"a", "b"}, 9000, 10000) == 2000  # the pair moves as one


def test_clamp_edge_keeps_minimum_length_and_neighbours():
    bl = blocks()
    assert clamp_edge(bl, "b", "end", 9000, 10000) == 6000
    assert clamp_edge(bl, "b", "end", 9000, 10000, allow_overlap=True) == 9000
    assert clamp_edge(bl, "b", "start", 500, 10000) == 2000
    assert clamp_edge(bl, "b", "start", 3990, 10000) == 4000 - 50


def test_free_span_and_neighbour_edges():
    bl = blocks()
    assert free_span(bl, 5000, 10000) == (4000, 6000)
    assert free_span(bl, 3500, 10000) is None
    assert free_span(bl, 8000, 10000) == (7000, 10000)
    assert neighbour_edges(bl, {"b"}) == [1000, 2000, 6000, 7000]


def test_a_neighbour_edge_wins_over_a_closer_beat_within_the_radius():
    s = Snapper(beats=[4998], edges=[5000])
    assert s.nearest(4997, 40) == s.nearest(4999, 40)
    assert s.nearest(4997, 40).kind == "edge" and s.snap(4997, 40)[0] == 5000
    assert s.snap(4930, 40) == (4930, None)  # neither in the radius
    delta, target = s.snap_delta([1000, 2000], 2997, 40)  # end 2000 -> 4997: the edge, not the beat
    assert target.kind == "edge" and delta == 3000
