"""The VQGAN autoencoder (Esser et al. 2021, "Taming Transformers"), built without its training code.

We take `Encoder`/`Decoder` from `taming.modules.diffusionmodules.model` and write the rest
ourselves with the same state_dict key names as `taming.models.vqgan.VQModel` / `GumbelVQ`:
`taming.models.vqgan` imports `taming.main`, which breaks on pytorch-lightning 2.x, and its
constructor builds the training loss, which downloads VGG16/LPIPS weights. The codebooks are
taming's own `VectorQuantizer2` / `GumbelQuantize`; generation reads only their tables.
"""

from __future__ import annotations

import contextlib
import io
import os
from typing import Any

import torch
from torch import nn

from dreamreel.core.errors import DreamreelError

GUMBEL_TARGET = "taming.models.vqgan.GumbelVQ"


class VQGAN(nn.Module):
    """Encoder, decoder, codebook and the 1x1 convs around the latent, as in taming's VQModel."""

    def __init__(self, ddconfig: dict, n_embed: int, embed_dim: int, *, gumbel: bool = False):
        super().__init__()
        from taming.modules.diffusionmodules.model import Decoder, Encoder
        from taming.modules.vqvae.quantize import GumbelQuantize, VectorQuantizer2

        with contextlib.redirect_stdout(io.StringIO()):  # taming's Decoder prints its z shape
            self.encoder = Encoder(**ddconfig)
            self.decoder = Decoder(**ddconfig)
        z_channels = ddconfig["z_channels"]
        if gumbel:
            self.quantize = GumbelQuantize(z_channels, embed_dim, n_embed=n_embed)
        else:
            self.quantize = VectorQuantizer2(n_embed, embed_dim, beta=0.25)
        self.quant_conv = nn.Conv2d(z_channels, embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(embed_dim, z_channels, 1)
        self.gumbel = gumbel
        self.embed_dim = embed_dim
        self.n_embed = n_embed
        self.factor = 2 ** (len(ddconfig["ch_mult"]) - 1)

    @property
    def codebook(self) -> torch.Tensor:
        """(n_embed, embed_dim): the token embeddings z is snapped to."""
        return self.quantize.embed.weight if self.gumbel else self.quantize.embedding.weight

    def decode(self, z_q: torch.Tensor) -> torch.Tensor:
        """Latent (N, embed_dim, h, w) -> image in about [-1, 1], (N, 3, h*f, w*f)."""
        if self.decoder.conv_in.weight.is_contiguous(memory_format=torch.channels_last):  # 3x3: unambiguous
            z_q = z_q.contiguous(memory_format=torch.channels_last)  # keep every conv in NHWC
        return self.decoder(self.post_quant_conv(z_q))


def model_params(config: Any) -> dict:
    """`model.params` (plus `target`) of a taming yaml config, as plain dicts."""
    from omegaconf import OmegaConf

    if not isinstance(config, dict):
        config = OmegaConf.to_container(config, resolve=True)
    model = config.get("model", config)
    params = dict(model.get("params", model))
    params["target"] = model.get("target", params.get("target", ""))
    return params


def build_vqgan(params: dict) -> VQGAN:
    """Build a randomly initialised VQGAN from a config's `model.params` (no loss, no download)."""
    try:
        ddconfig = dict(params["ddconfig"])
        n_embed, embed_dim = int(params["n_embed"]), int(params["embed_dim"])
    except (KeyError, TypeError, ValueError) as e:
        raise DreamreelError(f"VQGAN config: missing or bad model.params entry ({e})") from None
    ddconfig["ch_mult"] = tuple(ddconfig["ch_mult"])
    ddconfig["attn_resolutions"] = list(ddconfig.get("attn_resolutions", []))
    gumbel = str(params.get("target", "")).endswith("GumbelVQ")
    return VQGAN(ddconfig, n_embed, embed_dim, gumbel=gumbel)


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The tensors of a checkpoint, read without running code (`checkpoint.read_tensors`:
    safetensors, or a pickle with every non-torch global stubbed and dropped)."""
    from dreamreel.core.engine.checkpoint import read_tensors

    return read_tensors(path)


def check_state_dict(model: VQGAN, state: dict[str, torch.Tensor], ckpt_path, config_path) -> dict:
    """`state` without the training loss's `loss.*` keys, after checking every weight the
    config's architecture needs is there with its shape; DreamreelError naming the first misfit."""
    state = {k: v for k, v in state.items() if not k.startswith("loss.")}
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    if missing:
        raise DreamreelError(
            f"{ckpt_path}: does not match {config_path} ({len(missing)} weights missing, e.g. "
            f"{missing[0]}); use the config that came with this checkpoint"
        )
    for k, v in expected.items():
        if tuple(state[k].shape) != tuple(v.shape):
            raise DreamreelError(
                f"{ckpt_path}: does not match {config_path} ({k} has shape {tuple(state[k].shape)}, "
                f"the config needs {tuple(v.shape)}); use the config that came with this checkpoint"
            )
    return state


def load_vqgan(config_path: str | os.PathLike, ckpt_path: str | os.PathLike) -> VQGAN:
    """Build from the yaml config and load weights, dropping the training loss's `loss.*` keys."""
    from omegaconf import OmegaConf

    try:
        params = model_params(OmegaConf.load(config_path))
    except Exception as e:  # noqa: BLE001 - yaml/omegaconf errors vary
        raise DreamreelError(f"{config_path}: cannot read VQGAN config ({e})") from None
    model = build_vqgan(params)
    model.load_state_dict(check_state_dict(model, read_state_dict(ckpt_path), ckpt_path, config_path), strict=False)
    return model.eval().requires_grad_(False)
