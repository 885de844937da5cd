"""Model files: VQGAN loading from yaml + checkpoint, safe loading, hashes, missing-model messages, CLI."""

import argparse
import json

import pytest
import torch

from dreamreel.core.cli.main import main
from dreamreel.core.engine import models
from dreamreel.core.engine.clip_model import load_clip
from dreamreel.core.engine.models import PRESETS, cached_file_sha256, resolve_vqgan
from dreamreel.core.engine.vqgan import load_vqgan
from dreamreel.core.errors import DreamreelError, ModelNotFoundError
from dreamreel.core.project import RenderSettings
from tiny_models import make_tiny_models


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_models(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(tmp_path / "models"))
    for var in ("DREAMREEL_VQGAN_CONFIG", "DREAMREEL_VQGAN_CKPT", "DREAMREEL_CLIP_CKPT"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "models"


def test_vqgan_loads_and_drops_loss_keys(tiny):
    raw = torch.load(tiny["vqgan_ckpt"], weights_only=True)["state_dict"]
    assert any(k.startswith("loss.") for k in raw)
    model = load_vqgan(tiny["vqgan_config"], tiny["vqgan_ckpt"])
    sd = model.state_dict()
    assert not any(k.startswith("loss") for k in sd) and not hasattr(model, "loss")
    assert torch.equal(sd["quantize.embedding.weight"], raw["quantize.embedding.weight"])
    assert model.factor == 2 and not any(p.requires_grad for p in model.parameters())


def test_mismatched_checkpoint_is_named(tiny, tmp_path):
    sd = torch.load(tiny["vqgan_ckpt"], weights_only=True)["state_dict"]
    del sd["decoder.conv_out.weight"]
    bad = tmp_path / "bad.ckpt"
    torch.save({"state_dict": sd}, bad)
    with pytest.raises(DreamreelError, match=r"bad.ckpt: does not match .*decoder.conv_out.weight"):
        load_vqgan(tiny["vqgan_config"], bad)


def test_lightning_style_checkpoint_loads_with_its_objects_stubbed(tiny, tmp_path):
    sd = torch.load(tiny["vqgan_ckpt"], weights_only=True)["state_dict"]
    # Lightning checkpoints pickle arbitrary objects like these next to the weights.
    ckpt = tmp_path / "lightning.ckpt"
    torch.save({"state_dict": sd, "hparams": argparse.Namespace(lr=1),
                "callbacks": {argparse.Namespace: {"best_model_score": torch.tensor(0.5)}},
                "optimizer_states": [{"state": {0: {"exp_avg": torch.zeros(3)}}}]}, ckpt)
    from dreamreel.core.engine.checkpoint import Stub, load_pickle_safely

    obj, stubbed = load_pickle_safely(ckpt)
    assert stubbed == ["argparse.Namespace"] and isinstance(obj["hparams"], Stub)
    assert not isinstance(obj["hparams"], argparse.Namespace)
    assert load_vqgan(tiny["vqgan_config"], ckpt).n_embed == 32


def test_wrong_shapes_are_named(tiny, tmp_path):
    sd = torch.load(tiny["vqgan_ckpt"], weights_only=True)["state_dict"]
    sd["quantize.embedding.weight"] = torch.zeros(33, 8)
    bad = tmp_path / "shapes.ckpt"
    torch.save({"state_dict": sd}, bad)
    with pytest.raises(DreamreelError, match=r"quantize.embedding.weight has shape \(33, 8\), the config needs \(32, 8\)"):
        load_vqgan(tiny["vqgan_config"], bad)


def test_sha256_cached_in_data_dir_keyed_by_identity(tmp_path):
    f = tmp_path / "w.bin"
    f.write_bytes(b"abc")
    digest = cached_file_sha256(f)
    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert list(tmp_path.iterdir()) == [f]  # nothing beside the file
    entries = list((models.data_dir() / "hashes").glob("*.json"))
    entry = next(e for e in entries if json.loads(e.read_text())["path"] == str(f.resolve()))
    data = json.loads(entry.read_text())
    assert {"size", "mtime_ns", "ino", "ctime_ns"} <= set(data)
    entry.write_text(json.dumps(data | {"sha256": "c" * 64}))
    assert cached_file_sha256(f) == "c" * 64  # served from the cache, not re-read
    f.write_bytes(b"abcd")
    assert cached_file_sha256(f) == "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589"


def test_sidecar_beside_a_file_is_ignored(tmp_path):
    f = tmp_path / "w.bin"
    f.write_bytes(b"abc")
    st = f.stat()
    (tmp_path / "w.bin.sha256").write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                                        "sha256": "f" * 64}))
    assert cached_file_sha256(f) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_copied_file_with_kept_mtime_is_rehashed(tmp_path):
    import os

    a = tmp_path / "a.bin"
    a.write_bytes(b"abc")
    cached_file_sha256(a)
    b = tmp_path / "b.bin"
    b.write_bytes(b"xyz")
    os.utime(b, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns))
    os.replace(b, a)  # same path, size and mtime as the hashed file (as tar or cp -p give): new inode, ctime
    assert cached_file_sha256(a) == hashlib_sha(b"xyz")


def hashlib_sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_missing_preset_message_names_file_place_and_command(models_dir):
    with pytest.raises(ModelNotFoundError) as err:
        resolve_vqgan("vqgan_imagenet_f16_16384")
    msg = str(err.value)
    assert "vqgan_imagenet_f16_16384.yaml" in msg and str(models_dir) in msg
    assert "dreamreel models download vqgan_imagenet_f16_16384" in msg and "\n" not in msg


def test_explicit_paths_and_env_vars_win(tiny, models_dir, monkeypatch):
    cfg, ckpt = resolve_vqgan("vqgan_imagenet_f16_16384", tiny["vqgan_config"], tiny["vqgan_ckpt"])
    assert (cfg, ckpt) == (tiny["vqgan_config"], tiny["vqgan_ckpt"])
    monkeypatch.setenv("DREAMREEL_VQGAN_CONFIG", str(tiny["vqgan_config"]))
    monkeypatch.setenv("DREAMREEL_VQGAN_CKPT", str(tmp_missing := models_dir / "nope.ckpt"))
    with pytest.raises(ModelNotFoundError, match=r"nope.ckpt not found .*\$DREAMREEL_VQGAN_CKPT"):
        resolve_vqgan("vqgan_imagenet_f16_16384")
    assert not tmp_missing.exists()


def test_default_settings_without_weights_raise_model_not_found(models_dir):
    from dreamreel.core.engine.vqgan_clip import VqganClipEngine

    with pytest.raises(ModelNotFoundError, match="dreamreel models download"):
        VqganClipEngine.from_settings(RenderSettings(engine="vqgan-clip").engine_settings(), device="cpu")


def test_clip_tag_not_cached_says_how_to_fetch(models_dir):
    with pytest.raises(ModelNotFoundError) as err:
        load_clip("ViT-B-32", "openai")
    assert "dreamreel models download clip:ViT-B-32/openai" in str(err.value)


def test_clip_local_checkpoint_loads_without_network(tiny, monkeypatch):
    import open_clip.pretrained as pretrained

    monkeypatch.setattr(pretrained, "download_pretrained", lambda *a, **k: pytest.fail("tried to download"))
    clip, path = load_clip(str(tiny["clip_config"]), None, ckpt=tiny["clip_ckpt"])
    assert path == tiny["clip_ckpt"] and clip.image_size == 32
    assert clip.encode_texts(["a cat", "a dog"], torch.device("cpu")).shape == (2, 32)
    ref = torch.load(tiny["clip_ckpt"], weights_only=True)
    assert torch.equal(clip.model.state_dict()["visual.conv1.weight"], ref["visual.conv1.weight"])


def test_presets_carry_mirrors_and_no_invented_hashes():
    assert models.DEFAULT_PRESET == "vqgan_imagenet_f16_16384"
    for p in PRESETS.values():
        for f in (p.config, p.ckpt):
            assert f.mirrors and all(m.startswith(("https://", "http://", "hf://")) for m in f.mirrors)
            assert f.sha256 is None or len(f.sha256) == 64
        assert p.params["ddconfig"]["ch"] == 128
    default = PRESETS["vqgan_imagenet_f16_16384"].params
    assert (default["embed_dim"], default["n_embed"], default["ddconfig"]["ch_mult"]) == (256, 16384, [1, 1, 2, 2, 4])


def test_cli_models_list_and_path(models_dir, capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in PRESETS) and str(models_dir) in out and "missing" in out
    assert main(["models", "path", "vqgan_gumbel_f8_8192"]) == 2
    err = capsys.readouterr().err
    assert "dreamreel models download vqgan_gumbel_f8_8192" in err and err.count("\n") == 1
    assert main(["models", "download", "no_such_model"]) == 2
    assert "unknown VQGAN preset" in capsys.readouterr().err


def test_custom_clip_config_with_checkpoint_ignores_unknown_tag(tiny):
    clip, _ = load_clip(str(tiny["clip_config"]), "openai", ckpt=tiny["clip_ckpt"])
    assert clip.name == "TinyCLIP/tiny_clip.pt"


def test_memory_estimate_grows_with_size_and_cutouts():
    from dreamreel.core.engine.devices import estimate_memory, format_bytes

    base = estimate_memory(256, 256)
    assert 1 * 2**30 < base < 8 * 2**30
    assert estimate_memory(512, 512) > base and estimate_memory(256, 256, cutn=64) > base
    assert format_bytes(1536) == "1.5 KiB"


def test_packed_attention_same_maths_and_keys(tiny):
    from dreamreel.core.engine.clip_model import PackedSelfAttention, pack_attention

    stock, _ = load_clip(str(tiny["clip_config"]), None, ckpt=tiny["clip_ckpt"])
    packed, _ = load_clip(str(tiny["clip_config"]), None, ckpt=tiny["clip_ckpt"])
    assert pack_attention(packed.model) == 4  # 2 vision + 2 text layers
    assert isinstance(packed.model.visual.transformer.resblocks[0].attn, PackedSelfAttention)
    assert list(packed.model.state_dict()) == list(stock.model.state_dict())
    x = torch.rand(3, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    grads = []
    for clip in (stock, packed):
        xi = x.clone().requires_grad_(True)
        out = clip.model.encode_image(xi)
        out.square().sum().backward()
        grads.append((out.detach(), xi.grad))
    torch.testing.assert_close(grads[0][0], grads[1][0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(grads[0][1], grads[1][1], atol=1e-5, rtol=1e-4)
    tokens = stock.tokenizer(["a cat"])
    torch.testing.assert_close(stock.model.encode_text(tokens), packed.model.encode_text(tokens), atol=1e-5, rtol=1e-5)


def test_gumbel_vqgan_builds_with_taming_quantizer_keys():
    from dreamreel.core.engine.vqgan import build_vqgan

    ddconfig = dict(double_z=False, z_channels=32, resolution=32, in_channels=3, out_ch=3, ch=32, ch_mult=[1, 2],
                    num_res_blocks=1, attn_resolutions=[], dropout=0.0)
    model = build_vqgan({"target": "taming.models.vqgan.GumbelVQ", "n_embed": 16, "embed_dim": 32,
                         "ddconfig": ddconfig})
    assert tuple(model.codebook.shape) == (16, 32)
    keys = {k for k in model.state_dict() if k.startswith("quantize.")}
    assert keys == {"quantize.proj.weight", "quantize.proj.bias", "quantize.embed.weight"}


def test_one_file_hash_serves_songs_models_and_downloads(tmp_path, monkeypatch):
    import hashlib

    from dreamreel.core import hashing
    from dreamreel.core.audio import file_sha256 as audio_sha256
    from dreamreel.core.engine import download, models

    f = tmp_path / "w.bin"
    f.write_bytes(b"weights" * 1000)
    assert audio_sha256 is hashing.file_sha256 and download.file_sha256 is hashing.file_sha256
    assert hashing.file_sha256(f) == hashlib.sha256(f.read_bytes()).hexdigest()
    seen = []
    real = hashing.file_sha256
    monkeypatch.setattr(hashing, "file_sha256", lambda p: seen.append(p) or real(p))
    assert models.cached_file_sha256(f) == real(f) and seen == [f]


def test_a_song_check_hashes_through_the_same_cache(tmp_path, monkeypatch):
    """The song's sha256 comes from the one file-hash cache (so a copied song with the same
    size and mtime is hashed again: inode and ctime differ), never from a cache of its own."""
    import shutil
    import wave

    from dreamreel.core import hashing
    from dreamreel.core.song_check import song_facts

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    song = tmp_path / "song.wav"
    with wave.open(str(song), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000), w.writeframes(b"\x01\x00" * 8000)
    assert hashing.known_sha256(song) is None
    facts = song_facts(song)
    assert facts.sha256 == hashing.known_sha256(song) == hashing.file_sha256(song)
    assert facts.duration_ms == 1000 and facts.sample_rate == 8000
    copy = tmp_path / "copy.wav"
    shutil.copy2(song, copy)  # same bytes, size and mtime; another inode
    seen = []
    real = hashing.file_sha256
    monkeypatch.setattr(hashing, "file_sha256", lambda p: seen.append(p) or real(p))
    assert song_facts(copy) == facts and seen == [copy]
    assert song_facts(song) == facts and seen == [copy]  # the original: a stat, no re-read
