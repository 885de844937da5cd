"""Time stamps shared by every format: parse clocks and seconds to integer ms, and back.

Parsing is tolerant (spaces, 0-3+ fraction digits, comma decimals, hours or not); writing is
strict and ROUNDS half-up to the format's grid, so `format -> parse` returns the rounded time.
"""

from __future__ import annotations

import re

# Digit counts are capped: a 5000-digit "time" is garbage, and int() refuses such strings.
_CLOCK = re.compile(r"^(\d{1,9}(?::\d{1,9}){1,3})(?:[.,](\d{0,9}))?$", re.ASCII)
_SECONDS = re.compile(r"^([+-]?)(\d{0,9})(?:[.,](\d{0,9}))?$", re.ASCII)


def fraction_ms(digits: str) -> int:
    """Milliseconds in a decimal fraction, scaled by its digit count: `5`=500, `05`=50, `050`=50.

    More than three digits are rounded half-up to the millisecond (`1235` = 124)."""
    if not digits:
        return 0
    if len(digits) <= 3:
        return int(digits) * 10 ** (3 - len(digits))
    scale = 10 ** (len(digits) - 3)
    return (int(digits) + scale // 2) // scale


def parse_clock(text: str, *, colon_fraction: bool = True) -> int | None:
    """Parse a clock stamp to ms, or None when it is not one.

    Accepted (spaces anywhere are ignored): `mm:ss`, `mm:ss.f` (f = 0-3+ digits, `.` or `,`),
    `hh:mm:ss.f`, `mm:ss:xx` (colon before the fraction, as some LRC writers do) and
    `hh:mm:ss:xx`. Minutes may exceed 59 when there is no hour field; seconds may not.
    Three colon fields WITHOUT a decimal point are read as `mm:ss:xx`, with one as `hh:mm:ss.f`;
    `colon_fraction=False` (CSV, spreadsheets) reads them as `h:mm:ss` and refuses four fields.
    """
    m = _CLOCK.match("".join(text.split()))
    if not m:
        return None
    parts = m.group(1).split(":")
    frac = m.group(2)
    if frac is not None:
        if len(parts) == 4:
            return None
    elif len(parts) >= 3 and colon_fraction:
        frac = parts.pop()  # mm:ss:xx / hh:mm:ss:xx
    if len(parts) == 4:
        return None
    hours = int(parts[0]) if len(parts) == 3 else 0
    minutes, seconds = int(parts[-2]), int(parts[-1])
    if seconds >= 60 or (len(parts) == 3 and minutes >= 60):
        return None
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + fraction_ms(frac or "")


def parse_seconds(text: str) -> int | None:
    """Parse decimal seconds (`12.5`, `12,5`, `61`, `.25`) to ms, or None. Never negative."""
    m = _SECONDS.match("".join(text.split()))
    if not m or m.group(1) == "-" or not (m.group(2) or m.group(3)):
        return None
    return int(m.group(2) or 0) * 1000 + fraction_ms(m.group(3) or "")


def parse_time(text: str, *, colon_fraction: bool = True) -> int | None:
    """Seconds or a clock, whichever the text is (`12.5`, `1:02.5`, `00:01:02,500`); else None.
    `colon_fraction` as for parse_clock."""
    if ":" in text:
        return parse_clock(text, colon_fraction=colon_fraction)
    return parse_seconds(text)


def round_to(ms: int, step: int) -> int:
    """Round ms half-up to a multiple of step (writers round, never truncate)."""
    return (ms + step // 2) // step * step


def format_lrc_time(ms: int, *, millis: bool = False) -> str:
    """`mm:ss.xx` (or `mm:ss.xxx` with millis); minutes go past 59 and past 99 (`[100:01.00]`):
    players and ffmpeg read an hour field `h:mm:ss.xx` as minutes, so none is ever written."""
    step = 1 if millis else 10
    ms = round_to(max(ms, 0), step)
    minutes, rest = divmod(ms, 60_000)
    seconds, frac = divmod(rest, 1000)
    frac_text = f"{frac:03d}" if millis else f"{frac // 10:02d}"
    return f"{minutes:02d}:{seconds:02d}.{frac_text}"


def format_srt_time(ms: int) -> str:
    """`hh:mm:ss,mmm` as SRT wants it."""
    hours, rest = divmod(max(ms, 0), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, frac = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{frac:03d}"


def format_seconds(ms: int, *, places: int | None = None) -> str:
    """Decimal seconds, exact to the ms: `0`, `12.5`, `61.025`; `places` (>= 3) pads (Audacity: 6)."""
    whole, frac = divmod(max(ms, 0), 1000)
    if places is not None:
        return f"{whole}.{frac:03d}".ljust(len(str(whole)) + 1 + places, "0")
    return f"{whole}.{frac:03d}".rstrip("0").rstrip(".")


def format_vtt_time(ms: int) -> str:
    """`hh:mm:ss.mmm` as WebVTT wants it (hours always written: every reader takes them)."""
    return format_srt_time(ms).replace(",", ".")


def format_ass_time(ms: int) -> str:
    """`h:mm:ss.cc` as ASS/SSA wants it, rounded half-up to the centisecond."""
    ms = round_to(max(ms, 0), 10)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, frac = divmod(rest, 1000)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{frac // 10:02d}"
