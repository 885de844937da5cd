"""A tiny random-weight Stable Diffusion in diffusers' folder layout, built by the tests.

    folder = make_tiny_sd(tmp_path)   # model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/

UNet2DConditionModel / AutoencoderKL / CLIPTextModel as diffusers' own fast tests size them
(smaller still), and a byte-level CLIP tokenizer whose vocab and merges the test writes: no
download anywhere. The VAE downsamples 2x, so a 32x32 picture has a (1, 4, 16, 16) latent.
"""

from __future__ import annotations

import json
from pathlib import Path


def _write_tokenizer(dir: Path) -> None:
    """vocab.json + merges.txt of a CLIP BPE with every byte as a token (and no merges)."""
    # GPT-2's byte -> printable character map: printable bytes stand for themselves, the rest
    # are shifted past 255.
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    extra = iter(range(256, 512))
    chars = [chr(b) if b in keep else chr(next(extra)) for b in range(256)]
    vocab = {c: i for i, c in enumerate(chars)}
    vocab.update({c + "</w>": len(chars) + i for i, c in enumerate(chars)})
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    dir.mkdir(parents=True, exist_ok=True)
    (dir / "vocab.json").write_text(json.dumps(vocab))
    (dir / "merges.txt").write_text("#version: 0.2\n")


def make_tiny_sd(dir: str | Path, seed: int = 0, *, vocab_size: int = 514) -> Path:
    """Write the tiny pipeline folder into `dir` (idempotent) and return it."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    dir = Path(dir)
    if (dir / "model_index.json").is_file():
        return dir
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, sample_size=16, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16, attention_head_dim=4, norm_num_groups=4,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 16), in_channels=3, out_channels=3, latent_channels=4, norm_num_groups=4,
        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2, layers_per_block=1,
    )
    text_encoder = CLIPTextModel(CLIPTextConfig(
        bos_token_id=vocab_size - 2, eos_token_id=vocab_size - 1, pad_token_id=vocab_size - 1, hidden_size=16,
        intermediate_size=32, num_attention_heads=2, num_hidden_layers=2, vocab_size=vocab_size,
        max_position_embeddings=77, projection_dim=16,
    ))
    _write_tokenizer(dir / "_tok")
    tokenizer = CLIPTokenizer(str(dir / "_tok" / "vocab.json"), str(dir / "_tok" / "merges.txt"), model_max_length=77)
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       timestep_spacing="trailing", steps_offset=1)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.save_pretrained(dir)
    import shutil

    shutil.rmtree(dir / "_tok")
    return dir
