"""A single `.safetensors` SD checkpoint through the real loading path (`from_single_file` with
the model family's configs from `sd_config`): the tiny model written in the original (LDM) key
layout (tests/tiny_ldm.py) loads and renders the folder's exact latents; a file diffusers cannot
map (UNet/VAE left in diffusers' layout) is one clear line, from the engine and from the CLI."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from dreamreel.core.errors import DreamreelError
from tiny_ldm import save_single_file
from tiny_sd import make_tiny_sd


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from diffusers import StableDiffusionPipeline
    from safetensors.torch import save_file

    root = tmp_path_factory.mktemp("sdfile")
    folder = make_tiny_sd(root / "tiny-sd")
    pipe = StableDiffusionPipeline.from_pretrained(folder, local_files_only=True)
    sd = {k: v.contiguous() for part in (pipe.unet, pipe.vae) for k, v in part.state_dict().items()}
    sd.update({"cond_stage_model.transformer.text_model." + k.removeprefix("text_model."): v.contiguous()
               for k, v in pipe.text_encoder.state_dict().items()})
    save_file(sd, str(root / "tiny.safetensors"))
    return folder, root / "tiny.safetensors"


def test_an_ldm_layout_single_file_loads_and_makes_the_folders_latents(files, monkeypatch):
    from dreamreel.core.engine.base import KeyframeSpec, WeightedPrompt
    from dreamreel.core.engine.sd import SdEngine

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder, _ = files
    ckpt = save_single_file(folder, folder.parent / "tiny-ldm.safetensors")
    base = dict(sd_config="", lora="", guidance_scale=0.0, schedule_steps=4)
    from_file = SdEngine.from_settings(SimpleNamespace(sd_model=str(ckpt), **{**base, "sd_config": str(folder)}),
                                       device="cpu")
    from_folder = SdEngine.from_settings(SimpleNamespace(sd_model=str(folder), **base), device="cpu")
    ident = from_file.identity()
    assert ident["model"] == ckpt.name and "checkpoint_sha256" in ident and "unet_sha256" not in ident
    spec = KeyframeSpec(prompts=(WeightedPrompt("red fire", 1.0),), width=32, height=32, seed=7, iterations=2)
    z = from_file.keyframe(spec, from_file.random_latent(spec))
    ref = from_folder.keyframe(spec, from_folder.random_latent(spec))
    # Same weights and configs; float rounding may differ (weights converted to other strides).
    assert z.shape == ref.shape and torch.allclose(z, ref, atol=1e-3, rtol=1e-4), (z - ref).abs().max()


def test_a_single_file_diffusers_cannot_map_is_one_line(files, monkeypatch):
    from dreamreel.core.engine.sd import SdEngine

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder, ckpt = files
    s = SimpleNamespace(sd_model=str(ckpt), sd_config=str(folder), lora="", guidance_scale=0.0, schedule_steps=4)
    with pytest.raises(DreamreelError) as e:
        SdEngine.from_settings(s, device="cpu")
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(f"{ckpt}: diffusers cannot load this model (")
    assert "UNet2DConditionModel" in msg and "sd_config" in msg


def test_cli_render_with_that_file_exits_2_with_one_line(files, tmp_path):
    import shutil

    from cli_helpers import dreamreel, refused

    folder, ckpt = files
    examples = Path(__file__).resolve().parents[1] / "resources" / "examples"
    shutil.copytree(examples, tmp_path / "ex")
    out = tmp_path / "o.mp4"
    r = dreamreel("render", tmp_path / "ex" / "example.dreamreel", "--engine", "sd", "--sd-model", ckpt,
                  "--set", f"sd_config={folder}", "--size", "32x32", "--fps", "4", "--to", "2", "--quiet", "-o", out,
                  env={"DREAMREEL_MODELS_DIR": str(tmp_path / "models"), "HF_HUB_OFFLINE": "1"}, timeout=600)
    refused(r, str(ckpt), "diffusers cannot load this model", "UNet2DConditionModel", "sd_config")
    assert not out.exists()


def test_the_ldm_writer_round_trips_through_diffusers_converters(files):
    from diffusers import StableDiffusionPipeline
    from diffusers.loaders.single_file_utils import convert_ldm_unet_checkpoint, convert_ldm_vae_checkpoint

    from tiny_ldm import unet_to_ldm, vae_to_ldm

    pipe = StableDiffusionPipeline.from_pretrained(files[0], local_files_only=True)
    for model, back in ((pipe.unet, convert_ldm_unet_checkpoint(unet_to_ldm(pipe.unet), pipe.unet.config)),
                        (pipe.vae, convert_ldm_vae_checkpoint(vae_to_ldm(pipe.vae), pipe.vae.config))):
        want = model.state_dict()
        assert back.keys() == want.keys()
        assert all(torch.equal(back[k].reshape(want[k].shape), want[k]) for k in want)


def test_a_single_files_identity_holds_its_configs_scheduler(files, monkeypatch, tmp_path):
    """The scheduler of sd_config shapes every keyframe: it is in the cache identity, the same
    worked out without loading (registry entry) as from the loaded engine."""
    import json
    import shutil

    from dreamreel.core.engine.sd import SdEngine
    from dreamreel.core.engine.sd_entry import SdSettings, _identity

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder, _ = files
    ckpt = save_single_file(folder, tmp_path / "tiny-ldm.safetensors")
    s = SdSettings(sd_model=str(ckpt), sd_config=str(folder))
    loaded = SdEngine.from_settings(s, device="cpu").identity()
    assert loaded == _identity(s, SimpleNamespace(device="cpu"))
    assert loaded["scheduler"] == "EulerDiscreteScheduler" and loaded["scheduler_sha256"]
    other = tmp_path / "other-config"
    shutil.copytree(folder, other)
    cfg = other / "scheduler" / "scheduler_config.json"
    cfg.write_text(json.dumps({**json.loads(cfg.read_text()), "timestep_spacing": "leading"}))
    changed = _identity(SdSettings(sd_model=str(ckpt), sd_config=str(other)), SimpleNamespace(device="cpu"))
    assert changed["scheduler_sha256"] != loaded["scheduler_sha256"]
