"""Pinned outputs: one keyframe of each engine, on the CPU, must keep giving the same picture.

When one of these fails and the change of picture is meant, bump ENGINE_VERSION in
core/engine/base.py (so every cached keyframe is recomputed) and update the pinned values."""

from __future__ import annotations

import numpy as np
import torch

from dreamreel.core.engine.base import KeyframeSpec, WeightedPrompt
from dreamreel.core.engine.draft import DraftEngine
from tiny_models import TINY_SIZE, tiny_engine

BUMP = ("{engine} output changed for a pinned keyframe; if the change of picture is meant, bump "
        "ENGINE_VERSION in core/engine/base.py and update the pinned values in {file}")
PROMPTS = (WeightedPrompt("a red moon over the sea", 1.0), WeightedPrompt("blurry", -0.5))

DRAFT_ROW = [[96, 56, 84], [143, 81, 96], [158, 73, 71], [186, 67, 89], [188, 64, 62], [204, 42, 57],
             [198, 64, 78], [166, 97, 90]]
VQGAN_TOKENS = [0, 14, 26, 25, 26, 9, 20, 9, 16, 20, 9, 9, 26, 1, 30, 30, 15, 2, 10, 18, 4, 29, 16, 28, 12, 13,
                20, 30, 26, 26, 26, 18]
VQGAN_ROW = [150, 122, 203, 101, 255, 194, 68, 255, 147, 30, 202, 131, 80, 135, 183, 102, 54, 106, 132, 70, 80,
             179, 221, 119]


def test_draft_engine_output_is_pinned():
    engine = DraftEngine(64, 48)
    spec = KeyframeSpec.make(PROMPTS, 64, 48, seed=11, iterations=5, learning_rate=0.3)
    img = engine.decode(engine.quantise(engine.keyframe(spec, engine.random_latent(spec))))[0]
    row = img[24, ::8].tolist()
    assert row == DRAFT_ROW, BUMP.format(engine="draft", file=__file__) + f"\ngot {row}"


def test_vqgan_clip_output_is_pinned(tmp_path):
    torch.set_num_threads(1)
    engine = tiny_engine(tmp_path, autocast=False)  # fp32 on every CPU: the pin holds everywhere
    spec = KeyframeSpec.make(PROMPTS, TINY_SIZE, TINY_SIZE, seed=5, iterations=6, learning_rate=0.5, cutn=4,
                             cut_pow=1.0)
    z = engine.keyframe(spec, engine.random_latent(spec))
    z_q = engine.quantise(z)
    tokens = (z_q[0].flatten(1).T[:, None] == engine.codebook.weight[None]).all(-1).float().argmax(-1)
    img = engine.decode(z_q)[0]
    got_tokens, got_row = tokens[:32].tolist(), img[16, ::4].reshape(-1).tolist()
    msg = BUMP.format(engine="vqgan-clip", file=__file__) + f"\ngot tokens {got_tokens}\ngot row {got_row}"
    assert got_tokens == VQGAN_TOKENS, msg
    assert np.abs(np.array(got_row) - np.array(VQGAN_ROW)).max() <= 2, msg  # float round-off between CPUs
