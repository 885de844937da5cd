"""The one clock format (core/clock.py): rounding happens before the digits are split, so no
60 appears in the seconds and an axis label never lags its tick."""

from __future__ import annotations

import pytest

from dreamreel.core.clock import format_clock


@pytest.mark.parametrize("ms,decimals,text", [
    (59_960, 1, "01:00.0"),  # the preview showed 0:60.0
    (1_950, 1, "00:02.0"),  # the axis showed 00:01.0
    (1_949, 1, "00:01.9"),
    (4_120, 3, "00:04.120"),
    (119_999.6, 3, "02:00.000"),
    (59_400, 0, "00:59"),
    (-1_500, 3, "-00:01.500"),
    (6_000_000, 0, "100:00"),
    (1_234, 2, "00:01.23"),
])
def test_format_clock(ms, decimals, text):
    assert format_clock(ms, decimals) == text


def test_every_tenth_of_a_minute_reads_right():
    for tenths in range(0, 6000):
        text = format_clock(tenths * 100 + 49, 1)
        minutes, seconds = text.split(":")
        assert float(seconds) < 60 and int(minutes) * 60 + float(seconds) == pytest.approx(tenths / 10)


def test_the_timeline_axis_labels_ticks_with_their_own_time(qtbot):
    from dreamreel.editor.timeline.timeline_view import TimeAxis

    axis = TimeAxis("bottom")
    assert axis.tickStrings([1.95, 2.0, 59.96], 1.0, 0.05) == ["00:01.95", "00:02.00", "00:59.96"]
    assert axis.tickStrings([1.95, 59.96], 1.0, 0.5) == ["00:02.0", "01:00.0"]
    assert axis.tickStrings([60.0, 120.0], 1.0, 60) == ["01:00", "02:00"]
