"""The engine registry: built-ins and a third-party engine found through its entry point,
listed by `dreamreel engines`, rendered by `dreamreel render`, stored per engine in projects."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from dreamreel.core.engine import registry
from dreamreel.core.project import Block, Project, load_project, save_project
from fake_engine_plugin import fake_engine  # noqa: F401 - a fixture


def dreamreel(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dreamreel.core.cli.main", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=os.environ.copy(), timeout=600)


def test_builtins_are_registered_with_their_own_settings():
    assert registry.names()[:2] == ("draft", "vqgan-clip")
    vq = {i.name: i for i in registry.get("vqgan-clip").settings_info()}
    assert vq["cutn"].lo == 1 and vq["cutn"].help and "cutn" not in {i.name for i in registry.get("draft").settings_info()}
    assert registry.get("vqgan-clip").needs_worker_process and not registry.get("draft").needs_worker_process
    with pytest.raises(Exception, match="'nope' is not installed \\(installed: draft, vqgan-clip"):
        registry.get("nope")


def test_vqgan_missing_says_what_where_and_how(tmp_path):
    missing = registry.get("vqgan-clip").missing(Project().render)
    assert missing and "dreamreel models download vqgan_imagenet_f16_16384" in str(missing[0])
    assert missing[0].download == "vqgan_imagenet_f16_16384"
    assert registry.get("draft").missing(Project().render) == []


def test_vqgan_identity_without_loading_equals_the_loaded_engines(tmp_path):
    from tiny_models import make_tiny_models, tiny_settings

    paths = make_tiny_models(tmp_path / "models")
    render = tiny_settings(clip_model=str(paths["clip_config"]), vqgan_config=str(paths["vqgan_config"]),
                           vqgan_ckpt=str(paths["vqgan_ckpt"]), clip_ckpt=str(paths["clip_ckpt"]))
    entry = registry.get("vqgan-clip")
    assert entry.missing(render) == []
    assert entry.identity(render) == entry.load(render).identity()


def test_engines_command_lists_a_plugin_with_its_settings(fake_engine):
    r = dreamreel("engines", "--json")
    assert r.returncode == 0, r.stderr
    engines = {e["name"]: e for e in json.loads(r.stdout)["engines"]}
    assert set(engines) == {"draft", "vqgan-clip", "sd", "fake"}
    fake = engines["fake"]
    assert fake["available"] and fake["needs_worker_process"]
    assert {s["name"]: (s["default"], s["lo"], s["hi"]) for s in fake["settings"]}["lightness"] == (0.5, 0.0, 1.0)
    text = dreamreel("engines")
    assert text.returncode == 0 and "fake: Fake (tests) -- available" in text.stdout


def test_cli_renders_with_a_plugin_engine_and_its_own_setting(fake_engine, tmp_path):
    from dreamreel.core.export import read_video_frames

    p = Project(blocks=[Block("grey", 0, 1000), Block("more grey", 1000, 2000)])
    p.render.width = p.render.height = 32
    p.render.fps = 4
    save_project(p, tmp_path / "p.dreamreel")
    out = tmp_path / "out.mp4"
    r = dreamreel("render", tmp_path / "p.dreamreel", "--engine", "fake", "--set", "lightness=0.8", "-o", out,
                  "--quiet")
    assert r.returncode == 0, r.stderr
    assert "fake: 4 of 4 keyframes to render" in r.stderr
    frames = read_video_frames(out, 32, 32)
    assert len(frames) == 8 and abs(float(np.median(frames)) - 0.8 * 255) < 8
    bad = dreamreel("render", tmp_path / "p.dreamreel", "--engine", "fake", "--set", "lightness=3", "-o", out)
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "lightness 3.0 must be <= 1" in bad.stderr


def test_a_project_keeps_a_plugin_engines_block_and_says_when_it_is_not_installed(fake_engine, tmp_path):
    p = Project(blocks=[Block("grey", 0, 1000)])
    p.render.engine = "fake"
    p.render.update_engine("fake", lightness=0.25)
    save_project(p, tmp_path / "p.dreamreel")
    assert load_project(tmp_path / "p.dreamreel").render.engine_settings().lightness == 0.25
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([sys.executable, "-m", "dreamreel.core.cli.main", "info", str(tmp_path / "p.dreamreel")],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 2 and "render.engine: 'fake' is not installed (installed: draft, vqgan-clip, sd)" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_broken_plugin_is_one_line_not_a_crash(fake_engine):
    (fake_engine / "dreamreel_fake_engine.py").write_text("raise RuntimeError('boom')\n")
    registry.reset()
    assert "fake" not in registry.names()
    assert any("fake" in line and "boom" in line for line in registry.problems())
