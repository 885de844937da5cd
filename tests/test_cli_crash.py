"""Clean crashes: a render killed with SIGKILL while ffmpeg encodes leaves no ffmpeg running
and no finished hidden partial video; its temp file carries a recognisable prefix and the
writer's pid, and the next run in that folder sweeps it. Temp files of live writers stay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_helpers import dreamreel
from dreamreel.core.export import FfmpegError, probe
from dreamreel.core.tempfiles import PREFIX, sweep
from test_render_support import make_project

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _ffmpeg_writing(fragment: str) -> list[int]:
    """Pids of live processes whose command line mentions `fragment` (our temp file)."""
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().decode("utf-8", "replace")
                state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if fragment in cmd and "ffmpeg" in cmd and state != "Z":
                pids.append(int(d.name))
    return pids


def test_kill_9_during_encode_leaves_no_orphan_and_the_temp_file_is_swept(tmp_path):
    make_project(tmp_path, seconds=40.0, size=128, fps=30)
    out_dir = tmp_path / "videos"
    out_dir.mkdir()
    cmd = [sys.executable, "-m", "dreamreel.core.cli.main", "render", str(tmp_path / "p.dreamreel"),
           "-o", str(out_dir / "out.mp4"), "--quiet", "--minterpolate", "60"]  # ffmpeg lags behind its input
    render = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fragment = f"{PREFIX}{render.pid}-out.mp4"
    try:
        deadline = time.monotonic() + 240  # a safety net, not a timing assertion
        while not _ffmpeg_writing(fragment) and render.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert render.poll() is None, "the render ended before ffmpeg was seen"
        time.sleep(0.5)  # let frames flow into ffmpeg
        os.kill(render.pid, signal.SIGKILL)
    finally:
        render.wait()
    deadline = time.monotonic() + 10
    while _ffmpeg_writing(fragment) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _ffmpeg_writing(fragment), "ffmpeg outlived the killed render"
    stale = [p for p in out_dir.iterdir() if p.name.startswith(fragment)]
    assert len(stale) == 1 and not (out_dir / "out.mp4").exists()
    with pytest.raises(FfmpegError):
        probe(stale[0])  # killed mid-write: never finished into a playable hidden video
    r = dreamreel("render", tmp_path / "p.dreamreel", "-o", out_dir / "out.mp4", "--quiet", "--fps", "8",
                  "--size", "32x32")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["out.mp4"]  # the stale temp file is gone
    assert PREFIX not in r.stderr and abs(probe(out_dir / "out.mp4").duration_s - 40.0) < 0.3


def test_sweep_keeps_live_writers_and_removes_dead_and_reused_pids(tmp_path):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        dead_pid = int(dead.stdout)
        names = {"live": f"{PREFIX}{live.pid}-a.mp4.x1.mp4", "dead": f"{PREFIX}{dead_pid}-b.lrc.x2.tmp",
                 "reused": f"{PREFIX}{os.getppid()}-c.png.x3.png", "other": ".c.png.x3.png"}
        for name in names.values():
            (tmp_path / name).write_bytes(b"partial")
        (tmp_path / f"{PREFIX}{dead_pid}-frames.abc").mkdir()
        # "reused": the pid is alive, but its process started after this file was written
        os.utime(tmp_path / names["reused"], (1_000_000, 1_000_000))
        sweep(tmp_path, force=True)
        left = sorted(p.name for p in tmp_path.iterdir())
        assert left == sorted([names["live"], names["other"]])
    finally:
        live.kill()
        live.wait()
