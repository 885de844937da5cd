"""The Stable Diffusion engine on a tiny random-weight pipeline loaded from diffusers' folder
layout: determinism, warm starts and strength, prompts, cancel, model lookup, memory plan."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from dreamreel.core.engine.base import KeyframeSpec, WeightedPrompt
from dreamreel.core.errors import Cancelled, DreamreelError, ModelNotFoundError
from tiny_sd import make_tiny_sd


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    return make_tiny_sd(tmp_path_factory.mktemp("sd") / "tiny-sd")


def sd_settings(folder, **kw):
    base = dict(sd_model=str(folder), sd_config="", lora="", guidance_scale=0.0, schedule_steps=4)
    return SimpleNamespace(**{**base, **kw})


@pytest.fixture(scope="module")
def engine(tiny_folder):
    from dreamreel.core.engine.sd import SdEngine

    return SdEngine.from_settings(sd_settings(tiny_folder), device="cpu")


def spec(**kw):
    base = dict(prompts=(WeightedPrompt("red fire", 1.0), WeightedPrompt("oil painting", 0.5)),
                width=32, height=32, seed=7, iterations=2)
    return KeyframeSpec(**{**base, **kw})


def test_loads_through_from_pretrained_and_names_its_files(engine, tiny_folder):
    ident = engine.identity()
    assert ident["engine"] == "sd" and ident["model"] == tiny_folder.name and ident["dtype"] == "float32"
    assert {"unet_sha256", "vae_sha256", "text_encoder_sha256", "scheduler_sha256"} <= set(ident)
    assert ident["scheduler"] == "EulerDiscreteScheduler"
    assert engine.latent_shape(32, 32) == (1, 4, 16, 16) and engine.output_size(30, 30) == (30, 30)


def test_random_start_is_seeded_and_bit_identical_on_the_cpu(engine):
    s = spec()
    z0 = engine.random_latent(s)
    assert torch.equal(z0, engine.random_latent(s))
    a, b = engine.keyframe(s, z0), engine.keyframe(s, z0.clone())
    assert a.dtype == torch.float32 and a.shape == (1, 4, 16, 16) and torch.equal(a, b)
    other = replace(s, seed=8)
    assert not torch.equal(engine.keyframe(other, engine.random_latent(other)), a)


def test_pinned_output_slice(engine):
    s = spec()
    z = engine.keyframe(s, engine.random_latent(s))
    got = z[0, 0, 0, :4]
    # Pinned from this tiny model (diffusers 0.42, torch 2.14, CPU fp32): a change of the
    # sampling path or of how prompts become embeddings moves these numbers.
    expected = torch.tensor(PINNED)
    assert torch.allclose(got, expected, atol=2e-3), got.tolist()


PINNED = [-15.2516, 7.4154, 14.4718, -16.7164]


def test_warm_start_runs_strength_times_schedule_steps_and_is_deterministic(engine):
    s = spec()
    prev = engine.keyframe(s, engine.random_latent(s))
    steps = []
    for k in (0, 1, 3, 4):
        warm = replace(s, init_key="ab" * 32, iterations=k, seed=9)
        calls = []
        z = engine.keyframe(warm, prev, callback=lambda i, n, loss: calls.append((i, n)))
        steps.append(len(calls))
        if k == 0:
            assert torch.equal(z, prev)  # silence under full effort: the picture holds
        else:
            assert not torch.equal(z, prev)
            assert torch.equal(z, engine.keyframe(warm, prev.clone()))
    assert steps == [0, 1, 3, 4]


def test_weighted_prompts_blend_and_negatives_need_guidance(tiny_folder, engine):
    from dreamreel.core.engine.sd import SdEngine

    s = spec()
    z0 = engine.random_latent(s)
    base = engine.keyframe(s, z0)
    reweighted = replace(s, prompts=(WeightedPrompt("red fire", 1.0), WeightedPrompt("oil painting", 2.0)))
    assert not torch.equal(engine.keyframe(reweighted, z0), base)
    negative = replace(s, prompts=s.prompts + (WeightedPrompt("blurry", -1.0),))
    assert torch.equal(engine.keyframe(negative, z0), base)  # no guidance: negatives are unused
    guided = SdEngine.from_settings(sd_settings(tiny_folder, guidance_scale=3.0), device="cpu")
    assert not torch.equal(guided.keyframe(negative, z0), guided.keyframe(s, z0))
    with pytest.raises(DreamreelError, match="no positive prompts"):
        engine.keyframe(replace(s, prompts=(WeightedPrompt("blurry", -1.0),)), z0)


def test_cancel_and_bad_latents_are_clear(engine):
    s = spec()
    with pytest.raises(Cancelled):
        engine.keyframe(s, engine.random_latent(s), callback=lambda i, n, loss: True)
    with pytest.raises(DreamreelError, match="expected"):
        engine.keyframe(s, torch.zeros(1, 4, 8, 8))
    with pytest.raises(DreamreelError, match="decode: latents"):
        engine.decode(torch.zeros(1, 3, 8, 8))
    img = engine.decode(engine.random_latent(s))
    assert img.shape == (1, 32, 32, 3) and img.dtype == np.uint8


def test_model_lookup_order_and_refusals(tmp_path, tiny_folder, monkeypatch):
    from dreamreel.core.engine.sd_models import ENV_SD_MODEL, resolve_sd_model

    with pytest.raises(ModelNotFoundError, match=r"dreamreel models download sd-turbo.*[Nn]on-[Cc]ommercial"):
        resolve_sd_model(None)
    monkeypatch.setenv(ENV_SD_MODEL, str(tiny_folder))
    assert resolve_sd_model(None).path == tiny_folder
    assert resolve_sd_model(str(tiny_folder)).kind == "folder"
    ckpt = tmp_path / "model.ckpt"
    ckpt.write_bytes(b"not a pickle you want")
    with pytest.raises(DreamreelError, match="pickle"):
        resolve_sd_model(str(ckpt))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="model_index.json"):
        resolve_sd_model(str(tmp_path / "empty"))
    with pytest.raises(ModelNotFoundError, match="models download someone/absent"):
        resolve_sd_model("someone/absent")


def test_memory_plan_slices_attention_and_tiles_the_vae_when_short(tiny_folder):
    from dreamreel.core.engine.sd import SdEngine, plan_memory

    cpu = torch.device("cpu")
    assert plan_memory(512, 512, cpu, torch.float16, free=64 << 30) == (False, False)
    assert plan_memory(512, 512, cpu, torch.float16, free=256 << 20) == (True, True)
    assert plan_memory(2048, 2048, cpu, torch.float16, free=1 << 40)[1]  # big pictures tile
    tight = SdEngine.from_settings(sd_settings(tiny_folder), device="cpu")
    tight.free_bytes = 1
    s = spec()
    z = tight.keyframe(s, tight.random_latent(s))
    assert tight.attention_slicing and tight.vae_tiling
    assert tight.decode(z).shape == (1, 32, 32, 3)


def test_bf16_only_on_amx_cpus(monkeypatch):
    from dreamreel.core.engine import sd

    monkeypatch.setattr(sd, "cpu_has_amx", lambda: True)
    assert sd.sd_dtype(torch.device("cpu")) == torch.bfloat16
    monkeypatch.setattr(sd, "cpu_has_amx", lambda: False)
    assert sd.sd_dtype(torch.device("cpu")) == torch.float32
    assert sd.sd_dtype(torch.device("cuda")) == torch.float16
