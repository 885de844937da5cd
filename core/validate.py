"""Bounds on what a project may hold, so hostile or mistyped input fails with one line.

- `parse_project_json(text)`: JSON with nesting no deeper than the format needs (a 100 000
  deep list is refused, never a RecursionError), and numbers Python can hold.
- `check_bounds(project)`: song length and every time within 24 h, no negative durations,
  weights, seeds and iteration counts in sane ranges.
- `check_writable(project)`: what `import` runs before writing: the project must pass the very
  validation `load_project` applies, so every number it writes loads again.

Each raises `ProjectError` naming the JSON path of the first problem.
"""

from __future__ import annotations

import json
import math
from typing import Any

from dreamreel.core.errors import DreamreelError, ProjectError

MAX_TIME_MS = 24 * 3600 * 1000  # no song, block or word time beyond 24 h
MAX_DEPTH = 16  # the format needs 6 levels (project > blocks > block > style > phrases > prompt)
MAX_WEIGHT = 1000.0
MAX_ITERATIONS = 100_000
MAX_SEED = 2**63 - 1


def parse_project_json(text: str) -> Any:
    """`json.loads` for project files, with nesting and number size bounded."""
    depth = _max_depth_upper_bound(text)
    if depth > MAX_DEPTH:
        raise ProjectError(f"JSON nested {depth} levels deep (a project needs at most {MAX_DEPTH}); "
                           f"this is not a Dreamreel project")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as e:  # e.g. an integer of more than 4300 digits
        raise ProjectError(f"not a usable project: {str(e).splitlines()[0][:120]}") from None


def _max_depth_upper_bound(text: str) -> int:
    """The deepest bracket nesting of `text` outside JSON strings (fast: strings are cut out
    with one regex, then a running count)."""
    import re

    import numpy as np

    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    codes = np.frombuffer(bare.encode("utf-8", "replace"), dtype=np.uint8)
    step = (np.isin(codes, (91, 123)).astype(np.int32) - np.isin(codes, (93, 125)).astype(np.int32))
    return int(np.cumsum(step).max(initial=0))


def check_time(value: Any, where: str) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not 0 <= value <= MAX_TIME_MS:
        raise ProjectError(f"{where}: {value} ms is {'negative' if value < 0 else 'beyond 24 hours'}; "
                           f"times must lie between 0 and {MAX_TIME_MS} ms")


def check_weight(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProjectError(f"{where}: must be a number")
    try:
        ok = math.isfinite(value) and abs(value) <= MAX_WEIGHT
    except OverflowError:
        ok = False
    if not ok:
        shown = f"{value:g}" if isinstance(value, float) else f"a {len(str(abs(value)))}-digit number"
        raise ProjectError(f"{where}: weight {shown} must be between -{MAX_WEIGHT:g} and {MAX_WEIGHT:g}")


def check_bounds(project) -> None:
    """Raise ProjectError for the first time, duration, weight, seed or count out of range
    (weights written in a block's text, `a lighthouse:2 | fog:-1`, count too)."""
    from dreamreel.core.engine.prompts import parse_prompts, uses_prompt_syntax

    if project.audio is not None:
        check_time(project.audio.duration_ms, "audio.duration_ms")
    _check_style(project.style, "style")
    for i, b in enumerate(project.blocks):
        where = f"blocks[{i}]"
        check_time(b.start_ms, f"{where}.start_ms")
        check_time(b.end_ms, f"{where}.end_ms")
        if b.end_ms < b.start_ms:
            raise ProjectError(f"{where}.end_ms: {b.end_ms} is before start_ms {b.start_ms} (negative duration)")
        for j, w in enumerate(b.words):
            check_time(w.start_ms, f"{where}.words[{j}].start_ms")
        if b.style is not None:
            _check_style(b.style, f"{where}.style")
        try:
            parsed = parse_prompts(b.text) if ":" in b.text and uses_prompt_syntax(b) else ()
        except DreamreelError as e:
            raise ProjectError(f"{where}.text: {e}") from None
        for p in parsed:
            check_weight(p.weight, f"{where}.text")
        if b.seed is not None and not 0 <= b.seed <= MAX_SEED:
            raise ProjectError(f"{where}.seed: must be between 0 and 2**63-1")
        if b.iterations is not None and not 0 <= b.iterations <= MAX_ITERATIONS:
            raise ProjectError(f"{where}.iterations: must be between 0 and {MAX_ITERATIONS}")


def _check_style(style, where: str) -> None:
    for name in ("phrases", "negatives"):
        for i, p in enumerate(getattr(style, name)):
            check_weight(p.weight, f"{where}.{name}[{i}].weight")
            if getattr(p, "stop", None) is not None:
                check_weight(p.stop, f"{where}.{name}[{i}].stop")


def check_writable(project) -> None:
    """Raise ProjectError unless the project, written as JSON, passes `load_project`'s checks."""
    from dreamreel.core.project import project_from_dict, project_to_dict

    check_bounds(project)
    try:
        text = json.dumps(project_to_dict(project), allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ProjectError(f"cannot be written as a project ({e})") from None
    project_from_dict(parse_project_json(text))
