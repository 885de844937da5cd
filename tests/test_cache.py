"""Keyframe cache: keys, round trips, corrupt entries, previews."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dreamreel.core.engine.base import KeyframeSpec, WeightedPrompt
from dreamreel.core.engine.cache import KeyframeCache, default_cache_dir, keyframe_key


def spec(**kw):
    base = dict(prompts=(WeightedPrompt("red sky", 1.0),), width=64, height=64, seed=1, iterations=5)
    base.update(kw)
    return KeyframeSpec.make(**base)


def test_key_changes_with_every_input_and_is_stable():
    ident = {"engine": "draft", "engine_version": "1"}
    k = keyframe_key(ident, spec())
    assert k == keyframe_key(dict(reversed(list(ident.items()))), spec())  # canonical JSON
    variants = [spec(seed=2), spec(iterations=6), spec(width=66), spec(learning_rate=0.2), spec(cutn=8),
                spec(cut_pow=0.5), spec(init_key="ab" * 32), spec(prompts=(WeightedPrompt("red sky", 0.5),))]
    keys = {keyframe_key(ident, v) for v in variants} | {keyframe_key({**ident, "engine_version": "2"}, spec())}
    assert k not in keys and len(keys) == len(variants) + 1


def test_round_trip_is_bit_exact_with_preview(tmp_path):
    cache = KeyframeCache(tmp_path)
    z = torch.randn(1, 8, 4, 4, generator=torch.Generator().manual_seed(0))
    key = "ab" * 32
    assert cache.get(key) is None and not cache.has(key) and cache.preview_path(key) is None
    preview = np.full((8, 8, 3), 200, np.uint8)
    cache.put(key, z, preview)
    assert cache.has(key) and cache.keys() == [key]
    got = cache.get(key)
    assert got.dtype == torch.float32 and torch.equal(got, z)
    from PIL import Image

    assert np.array_equal(np.asarray(Image.open(cache.preview_path(key))), preview)
    assert not list(tmp_path.rglob(".*"))  # no temp files left behind


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "wrong_key"])
def test_corrupt_entry_is_deleted_and_reads_as_missing(tmp_path, damage):
    cache = KeyframeCache(tmp_path)
    key = "cd" * 32
    cache.put(key, torch.arange(64, dtype=torch.float32).view(1, 4, 4, 4), np.zeros((4, 4, 3), np.uint8))
    path = cache.latent_path(key)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        path.write_bytes(data[:-3] + bytes([data[-3] ^ 0xFF]) + data[-2:])  # inside the tensor bytes
    elif damage == "garbage":
        path.write_bytes(b"\x00" * 40)
    else:
        other = "ef" * 32
        cache.put(other, torch.zeros(1, 4, 4, 4))
        path.write_bytes(cache.latent_path(other).read_bytes())
    assert cache.get(key) is None
    assert not path.exists() and cache.preview_path(key) is None


def test_default_cache_dir_sits_beside_the_project(tmp_path):
    assert default_cache_dir(tmp_path / "song.dreamreel") == tmp_path / "song.dreamreel-cache"


def test_bad_key_is_rejected(tmp_path):
    with pytest.raises(ValueError):
        KeyframeCache(tmp_path).get("../../etc/passwd")
