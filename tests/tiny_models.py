"""Tiny random-weight VQGAN + CLIP files for tests, built and loaded through the real code.

    paths = make_tiny_models(tmp_path)   # yaml + ckpt (with loss.* keys) + TinyCLIP.json + ckpt
    engine = tiny_engine(tmp_path)       # VqganClipEngine.from_settings on those files

Frames are 32x32 (VQGAN f=2: latents (1, 8, 16, 16)); CLIP sees 32x32 cutouts.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

TINY_SIZE = 32
TINY_VQGAN_YAML = """\
model:
  base_learning_rate: 4.5e-06
  target: taming.models.vqgan.VQModel
  params:
    embed_dim: 8
    n_embed: 32
    ddconfig:
      double_z: false
      z_channels: 8
      resolution: 32
      in_channels: 3
      out_ch: 3
      ch: 32
      ch_mult: [1, 2]
      num_res_blocks: 1
      attn_resolutions: []
      dropout: 0.0
    lossconfig:
      target: taming.modules.losses.vqperceptual.VQLPIPSWithDiscriminator
      params:
        disc_start: 10000
"""
TINY_CLIP_CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 64, "patch_size": 8},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}


def make_tiny_models(dir: str | Path, seed: int = 0) -> dict[str, Path]:
    """Write the tiny model files into `dir` (idempotent); return their paths:
    vqgan_config, vqgan_ckpt, clip_config, clip_ckpt."""
    import open_clip

    from dreamreel.core.engine.vqgan import build_vqgan, model_params

    dir = Path(dir)
    dir.mkdir(parents=True, exist_ok=True)
    paths = dict(vqgan_config=dir / "tiny_vqgan.yaml", vqgan_ckpt=dir / "tiny_vqgan.ckpt",
                 clip_config=dir / "TinyCLIP.json", clip_ckpt=dir / "tiny_clip.pt")
    if all(p.exists() for p in paths.values()):
        return paths
    paths["vqgan_config"].write_text(TINY_VQGAN_YAML)
    paths["clip_config"].write_text(json.dumps(TINY_CLIP_CONFIG, indent=1))
    with torch.random.fork_rng(devices=[]):  # keep the caller's global RNG untouched
        torch.manual_seed(seed)
        from omegaconf import OmegaConf

        vqgan = build_vqgan(model_params(OmegaConf.load(paths["vqgan_config"])))
        # taming's init makes the codebook nearly zero; a spread codebook gives distinct tokens.
        torch.nn.init.normal_(vqgan.quantize.embedding.weight)
        state = dict(vqgan.state_dict())
        state["loss.discriminator.main.0.weight"] = torch.randn(4, 3, 4, 4)  # must be dropped on load
        state["loss.logvar"] = torch.zeros(())
        torch.save({"state_dict": state, "global_step": 1}, paths["vqgan_ckpt"])
        open_clip.add_model_config(paths["clip_config"])
        clip = open_clip.create_model("TinyCLIP", pretrained=None)
        torch.save(clip.state_dict(), paths["clip_ckpt"])
    return paths


def tiny_settings(**overrides):
    """RenderSettings sized for the tiny models (override any field)."""
    from dreamreel.core.project import RenderSettings

    common = {f: overrides.pop(f) for f in list(overrides) if f in RenderSettings.__dataclass_fields__}
    render = RenderSettings(**{**dict(width=TINY_SIZE, height=TINY_SIZE, engine="vqgan-clip", device="cpu"), **common})
    render.update_engine("vqgan-clip", **{**dict(cutn=4, iterations_first=4, iterations=2, vqgan="tiny_vqgan",
                                                 clip_pretrained=""), **overrides})
    return render


def tiny_engine(dir: str | Path, device: str = "cpu", **engine_kwargs):
    """A VqganClipEngine on the tiny models in `dir` (made if absent), via `from_settings`."""
    from dreamreel.core.engine.vqgan_clip import VqganClipEngine

    paths = make_tiny_models(dir)
    settings = tiny_settings(clip_model=str(paths["clip_config"]), vqgan_config=str(paths["vqgan_config"]),
                             vqgan_ckpt=str(paths["vqgan_ckpt"]), clip_ckpt=str(paths["clip_ckpt"]))
    return VqganClipEngine.from_settings(settings.engine_settings(), device=device, **engine_kwargs)
