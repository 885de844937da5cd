"""The one clock format for people: `mm:ss`, `mm:ss.t`, `mm:ss.mmm` (CLI lines, messages, the
editor's status bar, grid, inspector, preview and timeline axis)."""

from __future__ import annotations


def format_clock(ms: float, decimals: int = 3) -> str:
    """`ms` milliseconds as mm:ss with `decimals` (0-3) digits of seconds, rounded to that
    precision first, so 59.96 s reads 01:00.0 (never 0:60.0) and 1.95 s 00:02.0 (never
    00:01.0). Negative times keep their sign; minutes go past 99 as they are."""
    if not 0 <= decimals <= 3:
        raise ValueError(f"decimals must be 0..3, not {decimals}")
    unit = 10 ** (3 - decimals)  # milliseconds per last digit
    sign = "-" if ms < 0 else ""
    ticks = int(round(abs(ms) / unit))  # (round half to even, as Python rounds)
    per_second = 1000 // unit
    seconds, frac = divmod(ticks, per_second)
    minutes, seconds = divmod(seconds, 60)
    text = f"{sign}{minutes:02d}:{seconds:02d}"
    return f"{text}.{frac:0{decimals}d}" if decimals else text
