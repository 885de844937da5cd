"""The tiny test pipeline as one `.safetensors` file in the original Stable Diffusion (LDM) key
layout, the layout diffusers' `from_single_file` reads (installed diffusers has only the LDM ->
diffusers direction). Written for the tiny model's UNet/VAE/CLIP shapes (SD 1.x block layout) and
checked against diffusers' own converters.

    ckpt = save_single_file(folder, tmp_path / "tiny.safetensors")
"""

from __future__ import annotations

import re
from pathlib import Path

RES = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1", "norm2": "out_layers.0",
       "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}

UNET_TOP = {"conv_in": "input_blocks.0.0", "time_embedding.linear_1": "time_embed.0",
            "time_embedding.linear_2": "time_embed.2", "conv_norm_out": "out.0", "conv_out": "out.2"}


def unet_to_ldm(unet):
    """UNet2DConditionModel state dict -> `model.diffusion_model.*` (input/middle/output blocks)."""
    L = unet.config.layers_per_block
    out = {}
    for k, v in unet.state_dict().items():
        n = k
        def res(prefix, rest):
            head, _, tail = rest.partition(".")
            return f"{prefix}.{RES[head]}.{tail}"
        if m := re.match(r"down_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", k):
            n = res(f"input_blocks.{1 + int(m[1]) * (L + 1) + int(m[2])}.0", m[3])
        elif m := re.match(r"down_blocks\.(\d+)\.attentions\.(\d+)\.(.*)", k):
            n = f"input_blocks.{1 + int(m[1]) * (L + 1) + int(m[2])}.1.{m[3]}"
        elif m := re.match(r"down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)", k):
            n = f"input_blocks.{(int(m[1]) + 1) * (L + 1)}.0.op.{m[2]}"
        elif m := re.match(r"mid_block\.resnets\.(\d+)\.(.*)", k):
            n = res(f"middle_block.{2 * int(m[1])}", m[2])
        elif m := re.match(r"mid_block\.attentions\.0\.(.*)", k):
            n = f"middle_block.1.{m[1]}"
        elif m := re.match(r"up_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", k):
            n = res(f"output_blocks.{int(m[1]) * (L + 1) + int(m[2])}.0", m[3])
        elif m := re.match(r"up_blocks\.(\d+)\.attentions\.(\d+)\.(.*)", k):
            n = f"output_blocks.{int(m[1]) * (L + 1) + int(m[2])}.1.{m[3]}"
        elif m := re.match(r"up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.*)", k):
            i = int(m[1])
            has_attn = hasattr(unet.up_blocks[i], "attentions")
            n = f"output_blocks.{i * (L + 1) + L}.{2 if has_attn else 1}.conv.{m[2]}"
        else:
            layer, _, param = k.rpartition(".")
            n = f"{UNET_TOP[layer]}.{param}"
        out["model.diffusion_model." + n] = v
    return out

VRES = {"conv_shortcut": "nin_shortcut"}
ATT = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "proj_out"}

def vae_to_ldm(vae):
    """AutoencoderKL state dict -> `first_stage_model.*` (1x1 conv attention weights)."""
    nup = len(vae.decoder.up_blocks)
    out = {}
    for k, v in vae.state_dict().items():
        n = k
        def res(rest):
            head, _, tail = rest.partition(".")
            return f"{VRES.get(head, head)}.{tail}"
        if m := re.match(r"(encoder|decoder)\.mid_block\.attentions\.0\.(.*)\.(weight|bias)", k):
            n = f"{m[1]}.mid.attn_1.{ATT[m[2]]}.{m[3]}"
            if m[3] == "weight" and v.ndim == 2:
                v = v[:, :, None, None]
        elif m := re.match(r"(encoder|decoder)\.mid_block\.resnets\.(\d+)\.(.*)", k):
            n = f"{m[1]}.mid.block_{int(m[2]) + 1}.{res(m[3])}"
        elif m := re.match(r"encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", k):
            n = f"encoder.down.{m[1]}.block.{m[2]}.{res(m[3])}"
        elif m := re.match(r"encoder\.down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)", k):
            n = f"encoder.down.{m[1]}.downsample.conv.{m[2]}"
        elif m := re.match(r"decoder\.up_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", k):
            n = f"decoder.up.{nup - 1 - int(m[1])}.block.{m[2]}.{res(m[3])}"
        elif m := re.match(r"decoder\.up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.*)", k):
            n = f"decoder.up.{nup - 1 - int(m[1])}.upsample.conv.{m[2]}"
        else:
            n = k.replace("conv_norm_out", "norm_out")
        out["first_stage_model." + n] = v
    return out


def save_single_file(folder: Path, out: Path) -> Path:
    """The tiny pipeline in `folder` as one LDM-layout .safetensors file at `out`."""
    from diffusers import StableDiffusionPipeline
    from safetensors.torch import save_file

    pipe = StableDiffusionPipeline.from_pretrained(folder, local_files_only=True)
    sd = {**unet_to_ldm(pipe.unet), **vae_to_ldm(pipe.vae)}
    sd.update({"cond_stage_model.transformer.text_model." + k.removeprefix("text_model."): v
               for k, v in pipe.text_encoder.state_dict().items()})
    save_file({k: v.contiguous() for k, v in sd.items()}, str(out))
    return out
