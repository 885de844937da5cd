"""Format 1 -> 2: engine knobs move into per-engine blocks, keys of an unchanged project stay."""

import copy
import json

from dreamreel.core.engine.schedule import plan_keyframes
from dreamreel.core.project import FORMAT_VERSION, Block, Project, project_from_dict, project_to_dict

# A format-1 project as Dreamreel 0.1 wrote it (render knobs flat), with non-default VQGAN knobs.
V1 = {
    "format_version": 1, "title": "v1", "audio": None, "tags": {},
    "style": {"phrases": [{"text": "oil painting", "weight": 1.0}], "negatives": []},
    "render": {"width": 64, "height": 48, "fps": 8, "keyframes_per_second": 2.0, "iterations_first": 50,
               "iterations": 7, "learning_rate": 0.2, "cutn": 16, "cut_pow": 0.5, "seed": 3,
               "continuity": "chain", "interpolation": "linear", "engine": "vqgan-clip",
               "vqgan": "wikiart_16384", "clip_model": "ViT-B-16", "clip_pretrained": "laion2b_s34b_b88k",
               "device": "cpu", "burn_lyrics": False,
               "music": {"effort": 0.0, "pacing": 0.0, "pulse": 0.0, "clusters": 0, "cluster_strength": 0.0}},
    "blocks": [{"text": "red sky", "start_ms": 0, "end_ms": 1500, "id": "aaaaaaaaaaaa"},
               {"text": "blue sea", "start_ms": 1500, "end_ms": 3000, "id": "bbbbbbbbbbbb", "iterations": 9}],
}
IDENT = {"engine": "vqgan-clip", "vqgan_sha256": "00"}
# Keys format 1 planned for V1 (computed by Dreamreel at format 1, commit 3998f43): they name
# keyframes already in users' caches, so they must never change.
V1_KEYS_HEAD = ["cd7bfb0483c2", "8d5d6fb0c3c2", "8ae5d2e4f2b7"]


def test_v1_moves_engine_knobs_into_each_engine_block():
    p = project_from_dict(copy.deepcopy(V1))
    vq, draft = p.render.engine_settings("vqgan-clip"), p.render.engine_settings("draft")
    assert (vq.cutn, vq.cut_pow, vq.learning_rate, vq.vqgan, vq.clip_model, vq.clip_pretrained) == \
        (16, 0.5, 0.2, "wikiart_16384", "ViT-B-16", "laion2b_s34b_b88k")
    assert (vq.iterations_first, vq.iterations) == (draft.iterations_first, draft.iterations) == (50, 7)
    assert draft.learning_rate == 0.2
    data = project_to_dict(p)
    assert data["format_version"] == FORMAT_VERSION == 2
    assert "cutn" not in data["render"] and data["render"]["engines"]["vqgan-clip"]["cutn"] == 16
    assert project_from_dict(json.loads(json.dumps(data))) == p  # v2 round trip


def test_v1_keys_are_unchanged_after_migration():
    keys = [k.key for k in plan_keyframes(project_from_dict(copy.deepcopy(V1)), IDENT)]
    assert [k[:12] for k in keys[:3]] == V1_KEYS_HEAD


def test_a_vqgan_knob_rekeys_no_draft_keyframe():
    p = Project(blocks=[Block("red sky", 0, 3000), Block("blue sea", 3000, 6000)])
    draft = {"engine": "draft"}
    before = [k.key for k in plan_keyframes(p, draft)]
    vq_before = [k.key for k in plan_keyframes(p, IDENT)]
    p.render.update_engine("vqgan-clip", cutn=8, cut_pow=2.0, learning_rate=0.5, iterations=99)
    assert [k.key for k in plan_keyframes(p, draft)] == before
    assert set(k.key for k in plan_keyframes(p, IDENT)).isdisjoint(vq_before)
