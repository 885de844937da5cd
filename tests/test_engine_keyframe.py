"""VqganClipEngine on tiny random-weight models: optimisation, determinism, cancel, decode."""

import numpy as np
import pytest
import torch

from dreamreel.core.engine.base import KeyframeSpec, WeightedPrompt
from dreamreel.core.engine.optimise import Codebook, clamp_with_grad, spherical_dist, vector_quantize
from dreamreel.core.errors import Cancelled
from tiny_models import TINY_SIZE, tiny_engine


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny models gain nothing from threads, and on a busy shared CPU spinning threads cost 5x."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return tiny_engine(tmp_path_factory.mktemp("tiny"))


def spec(text="a red apple", weight=1.0, seed=3, iterations=12, **kw):
    kw.setdefault("cutn", 8)
    kw.setdefault("learning_rate", 0.2)
    kw.setdefault("cut_pow", 1.0)
    return KeyframeSpec.make((WeightedPrompt(text, weight),), TINY_SIZE, TINY_SIZE, seed=seed, iterations=iterations, **kw)


def dist_to_text(engine, z, text):
    """Spherical distance between the whole decoded (quantised) picture and the prompt."""
    z_q = vector_quantize(z.movedim(1, 3), engine.codebook).movedim(3, 1)
    with torch.no_grad():
        image = engine.vqgan.decode(z_q).add(1).div(2).clamp(0, 1)
    return spherical_dist(engine.image_embed(image), engine.text_embeds([text])).item()


def test_random_latent_is_seeded_codebook_tokens(engine):
    a, b, c = (engine.random_latent(spec(seed=s)) for s in (5, 5, 6))
    assert a.shape == (1, 8, TINY_SIZE // 2, TINY_SIZE // 2) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)
    rows = a[0].flatten(1).T  # every position holds an exact codebook row
    assert all((engine.codebook.weight == r).all(1).any() for r in rows)


def test_loss_decreases_toward_prompt(engine):
    s = spec(iterations=30)
    z0 = engine.random_latent(s)
    losses = []
    z = engine.keyframe(s, z0, lambda i, n, loss: losses.append(loss))
    assert len(losses) == 30
    assert np.mean(losses[-5:]) < np.mean(losses[:5])
    assert dist_to_text(engine, z, s.prompts[0].text) < dist_to_text(engine, z0, s.prompts[0].text)


def test_negative_weight_pushes_away(engine):
    s = spec(weight=-1.0, iterations=30)
    z0 = engine.random_latent(s)
    z = engine.keyframe(s, z0)
    assert dist_to_text(engine, z, s.prompts[0].text) > dist_to_text(engine, z0, s.prompts[0].text)


def test_same_seed_same_latent_and_global_rng_untouched(engine):
    s = spec(iterations=4)
    z0 = engine.random_latent(s)
    state = torch.random.get_rng_state()
    a = engine.keyframe(s, z0)
    b = engine.keyframe(s, z0)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.equal(a, b) and not torch.equal(a, z0)
    c = engine.keyframe(spec(iterations=4, seed=4), z0)  # other seed -> other cutouts
    assert not torch.equal(a, c)


def test_latent_stays_in_codebook_range(engine):
    s = spec(iterations=5, learning_rate=5.0)
    z = engine.keyframe(s, engine.random_latent(s))
    assert (z >= engine.codebook.z_min.cpu()).all() and (z <= engine.codebook.z_max.cpu()).all()


def test_cancel_from_callback(engine):
    calls = []

    def cb(step, total, loss):
        calls.append((step, total))
        return step == 3

    s = spec(iterations=10)
    with pytest.raises(Cancelled):
        engine.keyframe(s, engine.random_latent(s), cb)
    assert calls == [(1, 10), (2, 10), (3, 10)]


def test_text_encoded_once_per_text(engine, monkeypatch):
    seen = []
    real = engine.clip.encode_texts
    monkeypatch.setattr(engine.clip, "encode_texts", lambda texts, dev: seen.append(list(texts)) or real(texts, dev))
    s = spec(text="a lighthouse in a storm", iterations=1)
    engine.keyframe(s, engine.random_latent(s))
    engine.keyframe(s, engine.random_latent(s))
    assert seen == [["a lighthouse in a storm"]]


def test_decode_shape_dtype_and_no_requantisation(engine):
    a, b = engine.random_latent(spec(seed=1)), engine.random_latent(spec(seed=2))
    mid = (a + b) / 2
    frames = engine.decode(torch.cat([a, mid, b, a, b]))  # 5 > decode_batch: several batches
    assert frames.shape == (5, TINY_SIZE, TINY_SIZE, 3) and frames.dtype == np.uint8
    assert np.array_equal(frames[0], frames[3])
    snapped = vector_quantize(mid.movedim(1, 3), Codebook.of(engine.codebook.weight)).movedim(3, 1)
    assert not np.array_equal(frames[1], engine.decode(snapped)[0])
    assert engine.output_size(TINY_SIZE, TINY_SIZE) == (TINY_SIZE, TINY_SIZE)


def test_wrong_init_shape_is_one_clear_line(engine):
    with pytest.raises(Exception, match=r"init latent has shape .* expected") as err:
        engine.keyframe(spec(), torch.zeros(1, 8, 3, 3))
    assert "\n" not in str(err.value)


def test_clamp_with_grad_only_pushes_back_into_range():
    x = torch.tensor([-0.5, 0.5, 1.5], requires_grad=True)
    y = clamp_with_grad(x, 0.0, 1.0)
    assert torch.equal(y.detach(), torch.tensor([0.0, 0.5, 1.0]))
    y.backward(torch.tensor([1.0, 1.0, 1.0]))  # descent step -grad: lowers every x
    assert torch.equal(x.grad, torch.tensor([0.0, 1.0, 1.0]))  # -0.5 may not go lower; 1.5 may


def test_identity_names_models_hashes_and_version(engine):
    ident = engine.identity()
    assert ident["engine_version"] and ident["vqgan"] == "tiny_vqgan" and ident["clip"].startswith("TinyCLIP")
    assert len(ident["vqgan_sha256"]) == 64 and len(ident["clip_sha256"]) == 64
    assert all(isinstance(v, str) for v in ident.values())


def test_batched_cutouts_equal_a_per_cutout_loop():
    """make_cutouts (one batched pass) == crop, interpolate, flip, warp, jitter each cutout alone."""
    import torch.nn.functional as F

    from dreamreel.core.engine.optimise import make_cutouts, sample_cutouts

    gen = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, 40, 48, generator=gen)
    p = sample_cutouts(40, 48, 16, 12, 1.0, gen, noise_fac=0.1)
    noise = torch.randn(12, 3, 16, 16, generator=gen)
    assert p.flip.any() and not p.flip.all() and (p.boxes[:, 2] - p.boxes[:, 0] > 16).any()
    out = []
    for i in range(12):
        x1, y1, x2, y2 = (int(v) for v in p.boxes[i])
        c = F.interpolate(image[:, :, y1:y2, x1:x2], (16, 16), mode="bilinear", align_corners=False,
                          antialias=x2 - x1 > 16)
        c = c.flip(3) if p.flip[i] else c
        grid = F.affine_grid(p.theta[i:i + 1], [1, 3, 16, 16], align_corners=False)
        c = F.grid_sample(c, grid, mode="bilinear", padding_mode="border", align_corners=False)
        grey = c.mean(1, keepdim=True)
        c = grey + p.saturation[i] * (c - grey)
        c = c.mean() + p.contrast[i] * (c - c.mean()) + p.brightness[i]
        out.append(c + p.noise_fac[i] * noise[i])
    torch.testing.assert_close(make_cutouts(image, p, 16, noise), torch.cat(out), atol=1e-5, rtol=0)


def test_downscaled_cutouts_are_antialiased():
    """A crop 3x larger than the cutout is averaged, not point-sampled: a one-pixel checkerboard
    comes out grey (without antialiasing, bilinear at 3x lands on pixel centres: pure 0/1)."""
    from dreamreel.core.engine.optimise import crop_resize

    yy, xx = torch.meshgrid(torch.arange(48), torch.arange(48), indexing="ij")
    board = ((yy + xx) % 2).float().expand(1, 3, 48, 48)
    cut = crop_resize(board, torch.tensor([[0.0, 0.0, 48.0, 48.0]]), 16)
    assert (cut - 0.5).abs().max() < 0.15


def test_identity_holds_config_hash_device_and_autocast(engine, tmp_path_factory, monkeypatch):
    import hashlib

    from dreamreel.core.engine import vqgan_clip

    ident = engine.identity()
    cfg = engine.weight_files["vqgan_config"]
    assert ident["vqgan_config_sha256"] == hashlib.sha256(cfg.read_bytes()).hexdigest()
    assert ident["device"] == "cpu" and ident["autocast"] == "off"
    # A GPU's autocast dtype changes latents, so it must change the identity (and every key).
    monkeypatch.setattr(vqgan_clip, "autocast_dtype", lambda device: torch.bfloat16)
    half = tiny_engine(tmp_path_factory.mktemp("tiny_bf16"))
    assert half.identity()["autocast"] == "bfloat16"
    assert {k: v for k, v in half.identity().items() if k != "autocast"} == {k: v for k, v in ident.items() if k != "autocast"}


def test_device_without_a_generator_draws_noise_on_the_cpu(engine, monkeypatch):
    s = spec(iterations=3)
    z0 = engine.random_latent(s)
    want = engine.keyframe(s, z0)
    real = torch.Generator

    def no_device_generators(device=None):
        if device is not None:  # like torch builds without an MPS generator
            raise RuntimeError("device generator unsupported")
        return real()

    monkeypatch.setattr(torch, "Generator", no_device_generators)
    assert torch.equal(engine.keyframe(s, z0), want)
