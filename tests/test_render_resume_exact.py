"""A VQGAN+CLIP render killed with SIGKILL after k keyframes and resumed gives the same video,
frame for frame (ffmpeg framemd5), as an uninterrupted one (CPU, tiny random-weight models).

The project shares style phrases and negatives between blocks, so which texts are new to the
engine at a given keyframe depends on where the render (re)started: text embeddings must not
depend on that."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from imageio_ffmpeg import get_ffmpeg_exe

from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.render import render_keyframes, render_video
from dreamreel.core.project import Prompt as Phrase, load_project, save_project
from test_render_support import make_project
from tiny_models import TINY_SIZE, make_tiny_models, tiny_engine

# Renders keyframes and SIGKILLs itself the moment the k-th new keyframe is in the cache.
CHILD = """
import os, signal, sys
from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.render import render_keyframes
from dreamreel.core.project import load_project
from tiny_models import tiny_engine

project, cache_dir, models, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
done = []
def on_keyframe(ev):
    if not ev.cached:
        done.append(ev.key)
        if len(done) == k:
            os.kill(os.getpid(), signal.SIGKILL)
render_keyframes(load_project(project), tiny_engine(models), KeyframeCache(cache_dir), on_keyframe=on_keyframe)
"""


def framemd5(video: Path) -> list[str]:
    out = subprocess.run([get_ffmpeg_exe(), "-v", "error", "-i", str(video), "-map", "0:v", "-f", "framemd5", "-"],
                         capture_output=True, text=True, check=True).stdout
    return [ln.rsplit(",", 1)[-1].strip() for ln in out.splitlines() if ln and not ln.startswith("#")]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exact")
    models = tmp / "models"
    make_tiny_models(models)
    p = make_project(tmp / "proj", seconds=3.0, size=TINY_SIZE, fps=4, kps=2.0,
                     blocks=[("a red moon", 0.0, 1.0), ("blue waves", 1.0, 2.0), ("golden forest", 2.0, 3.0)])
    p.render.update_engine("vqgan-clip", cutn=4, iterations_first=3, iterations=2, learning_rate=0.5)
    p.style.phrases = [Phrase("oil painting", 1.0), Phrase("trending on artstation", 0.5)]
    p.style.negatives = [Phrase("blurry", 1.0)]
    save_project(p, p.path)
    ref_cache = KeyframeCache(tmp / "ref_cache")
    ref = render_video(load_project(p.path), tiny_engine(models), ref_cache, tmp / "ref.mp4")
    assert len(ref.plan.keyframes) == 6
    return tmp, models, p.path, framemd5(tmp / "ref.mp4")


@pytest.mark.parametrize("k", [1, 3, 4])
def test_resume_after_kill_gives_the_same_frames(setup, k):
    tmp, models, project_file, ref_md5 = setup
    cache_dir = tmp / f"cache{k}"
    script = tmp / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    child = subprocess.run([sys.executable, str(script), str(project_file), str(cache_dir), str(models), str(k)],
                           env=env, capture_output=True, text=True)
    assert child.returncode == -9, child.stderr[-2000:]
    cache = KeyframeCache(cache_dir)
    assert len(cache.keys()) == k
    p = load_project(project_file)
    plan = render_keyframes(p, tiny_engine(models), cache)  # a fresh engine: nothing encoded yet
    assert len(plan.computed) == 6 - k
    render_video(p, tiny_engine(models), cache, tmp / f"resumed{k}.mp4")
    assert framemd5(tmp / f"resumed{k}.mp4") == ref_md5
