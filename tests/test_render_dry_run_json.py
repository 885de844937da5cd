"""`dreamreel render P --dry-run --json`: the plan as JSON on stdout, nothing else there."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import dreamreel, refused

EXAMPLE = Path(__file__).resolve().parent.parent / "resources" / "examples" / "example.dreamreel"


def _plan(tmp_path, *extra):
    r = dreamreel("render", EXAMPLE, "--engine", "draft", "--dry-run", "--json", "--cache", tmp_path / "cache", *extra)
    assert r.returncode == 0, r.stderr
    assert "keyframes to render" in r.stderr  # the summary stays on stderr
    return json.loads(r.stdout)  # the whole of stdout is one JSON document


def test_dry_run_json_prints_every_keyframe_with_prompts_and_start(tmp_path):
    plan = _plan(tmp_path)
    kfs = plan["keyframes"]
    assert plan["engine"] == "draft" and plan["keyframes_needed"] == len(kfs) == plan["keyframes_to_render"] > 10
    assert [k["t"] for k in kfs] == sorted(k["t"] for k in kfs) and kfs[0]["t"] == 0.0
    assert set(kfs[0]) >= {"t", "block_id", "prompts", "iterations", "start", "init_key", "seed", "key"}
    # chain continuity: the first starts from random tokens (its seed), every other from the one before
    assert kfs[0]["start"] == "random" and kfs[0]["init_key"] is None and isinstance(kfs[0]["seed"], int)
    assert all(k["start"] == "keyframe" and k["init_key"] == prev["key"] for prev, k in zip(kfs, kfs[1:]))
    assert kfs[0]["iterations"] > kfs[1]["iterations"] > 0
    crimson = next(k for k in kfs if k["block_id"] == "b04")
    assert crimson["prompts"][:2] == [{"text": "Crimson sky", "weight": 1.0, "stop": None},
                                      {"text": "burning clouds", "weight": 0.6, "stop": None}]
    assert crimson["prompts"][-1] == {"text": "text, watermark", "weight": -0.5, "stop": None}  # project negative


def test_dry_run_json_says_which_keyframes_are_cached(tmp_path):
    r = dreamreel("render", EXAMPLE, "--engine", "draft", "--to", "0.6", "--png-dir", tmp_path / "png",
                  "--cache", tmp_path / "cache", "--quiet")
    assert r.returncode == 0, r.stderr
    kfs = _plan(tmp_path, "--to", "2")["keyframes"]
    assert [k["start"] for k in kfs] == ["cached", "cached", "cached", "keyframe", "keyframe"]


def test_json_without_dry_run_is_refused(tmp_path):
    r = dreamreel("render", EXAMPLE, "--json", "-o", tmp_path / "x.mp4")
    refused(r, "--json", "--dry-run")
    assert r.stdout == "" and not (tmp_path / "x.mp4").exists()
