"""The editor under a real X server (Xvfb), driven like a person with xdotool: drag a block's
edge, Ctrl+S, and the saved JSON has the new time. A screenshot of the result is kept.

Skips (cleanly, with the reason) only when Xvfb, xdotool or ImageMagick's `import` is missing;
.ci/run installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from editor_conftest_helpers import make_project_file

TOOLS = ("Xvfb", "xdotool", "import")
pytestmark = pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                                reason=f"needs {', '.join(TOOLS)} (installed by .ci/run)")


def _free_display() -> int:
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    pytest.skip("no free X display number")


def _x(env, *args, check=True) -> str:
    return subprocess.run(args, env=env, check=check, capture_output=True, text=True, timeout=30).stdout


def _screenshot(env, path: Path) -> np.ndarray:
    from PIL import Image

    _x(env, "import", "-window", "root", str(path))
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    xs = np.flatnonzero(row)
    if len(xs) == 0:
        return []
    runs, start = [], xs[0]
    for a, b in zip(xs[:-1], xs[1:]):
        if b - a > 3:
            runs.append((int(start), int(a)))
            start = b
    runs.append((int(start), int(xs[-1])))
    return [r for r in runs if r[1] - r[0] > 8]


def _block_runs(img: np.ndarray) -> tuple[int, list[tuple[int, int]]]:
    """(row, [(x0, x1)...]) of the blocks lane: of the rows that cross the four blocks, the one
    most covered by the "not rendered" fill (below the labels, whose letters split the runs)."""
    from dreamreel.editor.theme import state_colour

    fill = state_colour("none").darker(130)
    mask = np.abs(img - np.array([fill.red(), fill.green(), fill.blue()])).sum(axis=2) <= 12
    rows = [(int(mask[y].sum()), y, runs) for y in range(img.shape[0]) if len(runs := _runs(mask[y])) == 4]
    if not rows:
        return 0, []
    best = max(r[0] for r in rows)
    lane = [r for r in rows if r[0] >= best - 2]
    _, y, runs = lane[len(lane) // 2]
    return y, runs


def test_drag_an_edge_and_save_under_a_real_x_server(tmp_path):
    project = make_project_file(tmp_path)
    n = _free_display()
    env = {**os.environ, "DISPLAY": f":{n}"}
    env.pop("QT_QPA_PLATFORM", None)  # the real xcb platform, not offscreen
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    editor = None
    try:
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                break
            time.sleep(0.1)
        else:
            pytest.skip("Xvfb did not start")
        exe = Path(sys.executable).with_name("dreamreel-editor")
        log = open(tmp_path / "editor.log", "w")
        editor = subprocess.Popen([str(exe), str(project)], env=env, stdout=log, stderr=subprocess.STDOUT)
        wid = _x(env, "xdotool", "search", "--sync", "--onlyvisible", "--name", "Dreamreel").split()[0]
        _x(env, "xdotool", "windowmove", wid, "0", "0")
        _x(env, "xdotool", "windowsize", wid, "1600", "1000")
        time.sleep(4)  # peaks, analysis and the first paint
        before = _screenshot(env, tmp_path / "before.png")
        y, runs = _block_runs(before)
        assert len(runs) == 4, f"blocks not found on screen (runs {runs}); see {tmp_path / 'before.png'}"
        x_end = int(runs[0][1])  # right edge of block 1 ("One lighthouse", 1.0-4.0 s)
        width_px = runs[0][1] - runs[0][0]
        _x(env, "xdotool", "mousemove", str(x_end - 1), str(y))
        _x(env, "xdotool", "mousedown", "1")
        for step in range(1, 9):
            _x(env, "xdotool", "mousemove", str(x_end - 1 + step * max(2, width_px // 12)), str(y))
            time.sleep(0.05)
        _x(env, "xdotool", "mouseup", "1")
        time.sleep(0.5)
        _x(env, "xdotool", "key", "--window", wid, "ctrl+s")
        saved = None
        for _ in range(50):
            saved = json.loads(project.read_text())
            if saved["blocks"][0]["end_ms"] != 4000:
                break
            time.sleep(0.1)
        _screenshot(env, tmp_path / "after.png")
        docs = Path(__file__).resolve().parent.parent / "docs"
        if os.environ.get("DREAMREEL_SCREENSHOTS"):  # regenerate docs/editor_real_x.png
            shutil.copy(tmp_path / "after.png", docs / "editor_real_x.png")
        one = saved["blocks"][0]
        assert one["start_ms"] == 1000 and 4000 < one["end_ms"] <= 6000, one
        assert saved["blocks"][1]["start_ms"] == 6000  # the next block is untouched
    finally:
        if editor is not None:
            editor.terminate()
            try:
                editor.wait(10)
            except subprocess.TimeoutExpired:
                editor.kill()
        xvfb.terminate()
        xvfb.wait(10)
