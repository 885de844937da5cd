"""Opt-in: three keyframes with a real Stable Diffusion model when one is on disk (skipped
otherwise). Looks in `$DREAMREEL_REAL_MODELS_DIR`, else the user's real models dir (read at
import, before the tests' isolation points the models dir at a temp folder)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest


def _real_models_dir() -> Path:
    env = os.environ.get("DREAMREEL_REAL_MODELS_DIR") or os.environ.get("DREAMREEL_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("dreamreel")) / "models"


REAL = _real_models_dir()
FOLDERS = {name: REAL / repo.replace("/", "--") for name, repo in
           (("sd-turbo", "stabilityai/sd-turbo"), ("sdxl-turbo", "stabilityai/sdxl-turbo"))}


@pytest.mark.real_weights
@pytest.mark.slow
@pytest.mark.parametrize("preset", sorted(FOLDERS))
def test_three_keyframes_with_a_real_model(preset, tmp_path):
    folder = FOLDERS[preset]
    if not (folder / "model_index.json").is_file():
        pytest.skip(f"{preset} not in {REAL} (dreamreel models download {preset})")
    from dreamreel.core.engine.base import KeyframeSpec, WeightedPrompt
    from dreamreel.core.engine.sd import SdEngine

    engine = SdEngine.from_settings(SimpleNamespace(sd_model=str(folder), sd_config="", lora="",
                                                    guidance_scale=0.0, schedule_steps=4))
    spec = KeyframeSpec((WeightedPrompt("a lighthouse in a violet storm, oil painting", 1.0),), 512, 512, 1, 1)
    z = [engine.keyframe(spec, engine.random_latent(spec))]
    for k in range(2):
        warm = replace(spec, seed=2 + k, iterations=2, init_key=f"{k:064x}")
        z.append(engine.keyframe(warm, z[-1]))
    pics = engine.decode(__import__("torch").cat(z))
    assert pics.shape == (3, 512, 512, 3)
    assert all(p.std() > 20 for p in pics)  # a picture, not a flat or black frame
    from PIL import Image

    for i, p in enumerate(pics):
        Image.fromarray(p).save(tmp_path / f"{preset}_{i}.png")
    # Warm starts keep the picture: consecutive keyframes are closer than a fresh seed's.
    other = replace(spec, seed=99)
    fresh = engine.decode(engine.keyframe(other, engine.random_latent(other)))[0]
    d = lambda a, b: np.abs(a.astype(int) - b).mean()  # noqa: E731
    assert d(pics[0], pics[1]) < d(pics[0], fresh)
