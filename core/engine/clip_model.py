"""CLIP (Radford et al. 2021) through open_clip: a model name plus a pretrained tag, or a local
checkpoint, or a custom architecture given as an open_clip model-config `.json` file."""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from dreamreel.core.errors import DreamreelError, ModelNotFoundError


@dataclass
class ClipBundle:
    """A loaded CLIP with what the optimiser needs to feed it."""

    model: torch.nn.Module
    tokenizer: object  # open_clip tokenizer: list[str] -> (n, context) int tensor
    image_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    name: str  # e.g. "ViT-B-32/openai" or "TinyCLIP/tiny.pt"

    @torch.inference_mode()
    def encode_texts(self, texts: list[str], device: torch.device) -> torch.Tensor:
        """(len(texts), D) float32 text embeddings, not normalised."""
        tokens = self.tokenizer(texts).to(device)
        return self.model.encode_text(tokens).float()


def clip_download_name(model: str, tag: str) -> str:
    """The name `dreamreel models download` takes for an open_clip weight: `clip:ViT-B-32/openai`."""
    return f"clip:{model}/{tag}"


def parse_clip_name(name: str) -> tuple[str, str]:
    """`clip:ViT-B-32/openai` -> ("ViT-B-32", "openai")."""
    body = name[len("clip:"):] if name.startswith("clip:") else name
    model, sep, tag = body.partition("/")
    if not sep or not model or not tag:
        raise DreamreelError(f"{name}: expected clip:MODEL/TAG, e.g. clip:ViT-B-32/openai")
    return model, tag


def register_config(model: str) -> str:
    """If `model` is a path to an open_clip model-config json, register it; return the name."""
    import open_clip

    if model.endswith(".json"):
        path = Path(model)
        if not path.is_file():
            raise ModelNotFoundError(f"{path}: CLIP model config not found; check the clip_model setting")
        open_clip.add_model_config(path)
        return path.stem
    if model not in open_clip.list_models():
        raise DreamreelError(f"{model}: unknown open_clip model; `python -m open_clip.list_models` lists them")
    return model


def _pretrained_cfg(model: str, tag: str) -> dict:
    import open_clip
    from open_clip.pretrained import get_pretrained_cfg

    cfg = get_pretrained_cfg(model, tag)
    if not cfg:
        tags = ", ".join(open_clip.list_pretrained_tags_by_model(model)) or "none"
        raise DreamreelError(f"CLIP {model}: no pretrained weights tagged {tag!r} (known: {tags})")
    return cfg


def _missing(model: str, tag: str, where: str) -> ModelNotFoundError:
    return ModelNotFoundError(
        f"CLIP weights {model}/{tag} not found ({where}); run `dreamreel models download "
        f"{clip_download_name(model, tag)}` or pass --clip-ckpt FILE"
    )


def _hub_names(cfg: dict) -> tuple[str, list[str]]:
    """(repo, candidate file names, preferred first) of a tag's hub weights."""
    from open_clip.constants import HF_SAFE_WEIGHTS_NAME, HF_WEIGHTS_NAME

    repo, filename = os.path.split(cfg["hf_hub"])
    names = [HF_SAFE_WEIGHTS_NAME, HF_WEIGHTS_NAME] if not filename else [filename]
    if filename.endswith((".bin", ".pth")):
        names.insert(0, filename[:-4] + ".safetensors")
    return repo, names


def _url_cache_path(cfg: dict) -> Path:
    return Path(os.path.expanduser("~/.cache/clip")) / os.path.basename(cfg.get("url", ""))


def cached_pretrained(model: str, tag: str) -> Path:
    """The local file of a pretrained tag, from the Hugging Face cache (or open_clip's URL cache),
    without touching the network; ModelNotFoundError with the fetch command when absent."""
    from huggingface_hub import try_to_load_from_cache

    cfg = _pretrained_cfg(model, tag)
    if cfg.get("file"):
        return Path(cfg["file"])
    if cfg.get("hf_hub"):
        repo, names = _hub_names(cfg)
        for name in names:
            hit = try_to_load_from_cache(repo_id=repo, filename=name)
            if isinstance(hit, str) and Path(hit).is_file():
                return Path(hit)
        raise _missing(model, tag, f"not in the Hugging Face cache for {repo}")
    path = _url_cache_path(cfg)
    if path.is_file():
        return path
    raise _missing(model, tag, f"looked for {path}")


def fetch_pretrained(model: str, tag: str, *, log=print, progress_bars: bool = True) -> tuple[Path, bool]:
    """The weight file of a pretrained tag, downloaded and verified when it is not already there
    and good: (path, fetched now?). Hub files are checked against the hub's own size and LFS
    sha256, URL files against the hash in their URL (OpenAI's) or this user's first verified
    download; every file must be accepted by open_clip's model of that name. A broken cached
    file is fetched again. DownloadError / NoNetworkError (one line, at once) otherwise."""
    from dreamreel.core.engine import download
    from dreamreel.core.engine.model_check import check_clip_file
    from dreamreel.core.engine.models import record_verified, recorded

    cfg = _pretrained_cfg(model, tag)
    key = clip_download_name(model, tag)

    def check(path: Path) -> None:
        check_clip_file(path, model, label=f"CLIP {model}/{tag} file {path.name}")

    rec = recorded(key)
    try:
        present = cached_pretrained(model, tag)
    except ModelNotFoundError:
        present = None
    if present is not None:
        problem = download._verify_present(key, present, None, None, check)
        if problem is None:
            return present, False
        if log:
            log(f"{present}: broken ({problem}); fetching it again")
    if cfg.get("hf_hub"):
        repo, names = _hub_names(cfg)
        download.probe_hub()
        with download.hub_quiet(progress_bars):
            infos = download.hub_file_info(repo, names)
        name = next((n for n in names if n in infos), None)
        if name is None:
            raise download.DownloadError(f"CLIP {model}/{tag}: {repo} holds none of {', '.join(names)}")
        size, sha = infos[name]
        path, digest = download.hub_download(repo, name, sha256=sha or (rec or {}).get("sha256"), size=size,
                                             check=check, force=present is not None, progress_bars=progress_bars)
        source = f"hf://{repo}/{name}"
    elif cfg.get("url"):
        url, path = cfg["url"], _url_cache_path(cfg)
        published = url.split("/")[-2] if "openaipublic" in url else ""
        sha = published if len(published) == 64 else (rec or {}).get("sha256")
        if present is not None:
            present.unlink(missing_ok=True)
        digest = download.fetch([url], path, sha256=sha, check=check, log=log)
        source = url
    else:
        raise download.DownloadError(f"CLIP {model}/{tag}: open_clip names no download for this tag")
    record_verified(key, path.stat().st_size, digest, source)
    download.convert_quietly(path, digest, log=log)
    return path, True


@contextlib.contextmanager
def _quiet_random_init():
    """Drop open_clip's "No pretrained weights loaded" warning (the root logger prints it)."""
    def drop(record: logging.LogRecord) -> bool:
        return "initialized randomly" not in record.getMessage()

    root = logging.getLogger()
    root.addFilter(drop)
    try:
        yield
    finally:
        root.removeFilter(drop)


def load_clip_weights(clip: nn.Module, path: str | os.PathLike, name: str) -> None:
    """Load a weight file into an open_clip model, never running code from it (`checkpoint.
    read_tensors`), with open_clip's own fix-ups for other layouts; one-line DreamreelError
    when the file is refused or its tensors do not fit."""
    from open_clip.factory import convert_state_dict
    from open_clip.model import convert_to_custom_text_state_dict, resize_pos_embed, resize_text_pos_embed

    from dreamreel.core.engine.checkpoint import CheckpointError, read_tensors

    try:
        state = read_tensors(path)
    except CheckpointError as e:
        raise DreamreelError(f"{e}; CLIP {name} needs a state_dict or .safetensors file") from None
    if next(iter(state)).startswith("module."):
        state = {k[len("module."):]: v for k, v in state.items()}
    try:
        state = convert_state_dict(clip, state)
        if "positional_embedding" in state and not hasattr(clip, "positional_embedding"):
            state = convert_to_custom_text_state_dict(state)
        for key in ("logit_scale", "logit_bias"):
            ours = getattr(clip, key, None)
            if key in state and ours is not None and ours.ndim != state[key].ndim:
                state[key] = state[key].reshape(ours.shape)
        if "logit_bias" not in state and getattr(clip, "logit_bias", None) is not None:
            state["logit_bias"] = torch.zeros_like(state["logit_scale"])
        resize_pos_embed(state, clip)
        resize_text_pos_embed(state, clip)
        clip.load_state_dict(state, strict=True)
    except (RuntimeError, KeyError, ValueError) as e:
        raise DreamreelError(f"{path}: does not fit CLIP {name} ({str(e).strip().splitlines()[0][:300]})") from None


def load_clip(model: str, tag: str | None, *, ckpt: str | os.PathLike | None = None,
              device: torch.device | str = "cpu") -> tuple[ClipBundle, Path]:
    """Load CLIP for guidance (eval mode, parameters frozen). Never downloads: `ckpt`, else the
    tag's file from the local cache (`dreamreel models download clip:M/T` fetches it).
    Returns the bundle and the weight file."""
    import open_clip
    from open_clip.pretrained import get_pretrained_cfg

    name = register_config(model)
    # OpenAI's weights were trained with QuickGELU; open_clip only warns on a mismatch.
    quick_gelu = bool(tag and get_pretrained_cfg(name, tag).get("quick_gelu", False))
    if ckpt is not None:
        path = Path(ckpt)
        if not path.is_file():
            raise ModelNotFoundError(f"{path}: CLIP checkpoint not found (from --clip-ckpt / DREAMREEL_CLIP_CKPT)")
        label = f"{name}/{path.name}"
    elif tag:
        path = cached_pretrained(name, tag)
        label = f"{name}/{tag}"
    else:
        raise ModelNotFoundError(f"CLIP {name}: no pretrained tag and no checkpoint; pass --clip-ckpt FILE")
    with _quiet_random_init():  # weights come next, from load_clip_weights
        clip = open_clip.create_model(name, pretrained=None, device=device, force_quick_gelu=quick_gelu)
    load_clip_weights(clip, path, name)
    clip.eval().requires_grad_(False)
    pp = open_clip.get_model_preprocess_cfg(clip)
    size = pp.get("size", 224)
    size = size[0] if isinstance(size, (tuple, list)) else size
    bundle = ClipBundle(clip, open_clip.get_tokenizer(name), int(size), tuple(pp["mean"]), tuple(pp["std"]), label)
    return bundle, path


class PackedSelfAttention(nn.Module):
    """`nn.MultiheadAttention` self-attention (batch_first), same parameters and maths, with the
    in-projection as one GEMM on contiguous (N*L, E) rows. MHA transposes to sequence-first,
    so autograd runs its projections as batched matmuls over copies of the weight (~2x slower
    on the CPU). Anything but plain self-attention goes to the original module."""

    def __init__(self, mha: nn.MultiheadAttention):
        super().__init__()
        self.in_proj_weight, self.in_proj_bias, self.out_proj = mha.in_proj_weight, mha.in_proj_bias, mha.out_proj
        self.num_heads = mha.num_heads
        self.__dict__["_original"] = mha  # not a submodule: state_dict keys stay as MHA's

    def forward(self, query, key, value, need_weights=False, attn_mask=None, **kwargs):
        if key is not query or value is not query or need_weights or kwargs or self._original.dropout:
            return self._original(query, key, value, need_weights=need_weights, attn_mask=attn_mask, **kwargs)
        n, length, e = query.shape
        qkv = F.linear(query, self.in_proj_weight, self.in_proj_bias)
        q, k, v = qkv.view(n, length, 3, self.num_heads, e // self.num_heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        return self.out_proj(out.transpose(1, 2).reshape(n, length, e)), None


def pack_attention(module: nn.Module) -> int:
    """Swap batch_first self-attention MHAs inside `module` for PackedSelfAttention; returns how many."""
    count = 0
    for parent in module.modules():
        attn = getattr(parent, "attn", None)
        if isinstance(attn, nn.MultiheadAttention) and attn.batch_first and attn._qkv_same_embed_dim:
            parent.attn = PackedSelfAttention(attn)
            count += 1
    return count
