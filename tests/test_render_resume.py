"""A render killed with SIGKILL resumes: finished keyframes are kept, nothing corrupt is used,
and the result equals an uninterrupted render."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.render import render_keyframes
from dreamreel.core.project import load_project
from test_render_support import counting_draft, make_project

# The child renders with a draft engine slowed down per step, so the kill lands mid-render.
CHILD = """
import sys, time
from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.draft import DraftEngine
from dreamreel.core.engine.render import render_keyframes
from dreamreel.core.project import load_project

class Slow(DraftEngine):
    def keyframe(self, spec, init, callback=None):
        time.sleep(0.05)
        return super().keyframe(spec, init, lambda *a: time.sleep(0.01))

p = load_project(sys.argv[1])
render_keyframes(p, Slow(p.render.width, p.render.height), KeyframeCache(sys.argv[2]))
"""


def test_killed_render_resumes_without_recomputing(tmp_path):
    make_project(tmp_path, seconds=6.0, kps=4.0)
    project_file, cache_dir = tmp_path / "p.dreamreel", tmp_path / "cache"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen([sys.executable, str(script), str(project_file), str(cache_dir)],
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).parent)})
    cache = KeyframeCache(cache_dir)
    try:
        deadline = time.monotonic() + 120  # a safety net, not a timing assertion
        while len(cache.keys()) < 3 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    done_before = set(cache.keys())
    p = load_project(project_file)
    assert 3 <= len(done_before) < 24, "the kill should land mid-render"
    assert all(cache.get(k) is not None for k in done_before)  # every finished entry is whole
    engine = counting_draft()
    plan = render_keyframes(p, engine, cache)
    recomputed = set(plan.computed)
    assert not (recomputed & done_before)
    assert recomputed | done_before >= {k.key for k in plan.keyframes}
    ref = KeyframeCache(tmp_path / "ref")
    render_keyframes(p, counting_draft(), ref)
    for k in plan.keyframes:
        assert np.array_equal(cache.get(k.key), ref.get(k.key))
