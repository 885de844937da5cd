"""Run `dreamreel` as the user does: a subprocess on real files (no tests here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent


def dreamreel(*args, cwd=None, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """`dreamreel ARGS...` in a child Python (this venv), text output captured."""
    return subprocess.run([sys.executable, "-m", "dreamreel.core.cli.main", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})


def refused(r: subprocess.CompletedProcess, *needles: str) -> str:
    """Assert exit 2 with exactly one stderr line holding every needle, and no traceback; returns it."""
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]
