"""LoRA loading for the SD engine (the LCM-LoRA preset's path): a tiny LoRA that the test builds
with peft on the tiny UNet, saved by diffusers as a .safetensors file, fused in by
`SdEngine.from_settings` through diffusers' `load_lora_weights` (which needs `peft`)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from dreamreel.core.errors import DreamreelError
from tiny_sd import make_tiny_sd


def settings(folder, lora=""):
    return SimpleNamespace(sd_model=str(folder), sd_config="", lora=str(lora), guidance_scale=0.0, schedule_steps=4)


def make_tiny_lora(folder, out):
    """A rank-2 LoRA on the tiny UNet's attention projections with non-zero weights."""
    from diffusers import StableDiffusionPipeline
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    pipe = StableDiffusionPipeline.from_pretrained(folder, local_files_only=True)
    pipe.unet.add_adapter(LoraConfig(r=2, lora_alpha=2, target_modules=["to_q", "to_k", "to_v", "to_out.0"],
                                     init_lora_weights=False))
    torch.manual_seed(3)
    for name, p in pipe.unet.named_parameters():
        if "lora_" in name:
            p.data.normal_(0, 0.5)
    StableDiffusionPipeline.save_lora_weights(out.parent, unet_lora_layers=get_peft_model_state_dict(pipe.unet),
                                              weight_name=out.name, safe_serialization=True)
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("sdlora")
    folder = make_tiny_sd(root / "tiny-sd")
    return folder, make_tiny_lora(folder, root / "tiny-lcm-lora.safetensors")


def test_lcm_lora_file_is_fused_and_switches_to_the_lcm_scheduler(tiny):
    from dreamreel.core.engine.sd import SdEngine

    folder, lora = tiny
    plain = SdEngine.from_settings(settings(folder), device="cpu")
    fused = SdEngine.from_settings(settings(folder, lora), device="cpu")
    assert type(fused.pipe.scheduler).__name__ == "LCMScheduler" == fused.identity()["scheduler"]
    assert fused.identity()["lora_sha256"] and fused.identity()["lora"] == str(lora)
    assert "lora_sha256" not in plain.identity()
    # Fused into the UNet's own weights; the adapter layers are gone again.
    a = dict(plain.pipe.unet.named_parameters())
    b = dict(fused.pipe.unet.named_parameters())
    assert a.keys() == b.keys() and not any("lora_" in k for k in b)
    q = next(k for k in a if k.endswith("attn1.to_q.weight"))
    assert not torch.equal(a[q], b[q])


def test_a_file_that_is_not_a_lora_is_one_line(tiny, tmp_path):
    from safetensors.torch import save_file

    from dreamreel.core.engine.sd import SdEngine

    folder, _ = tiny
    bad = tmp_path / "not-a-lora.safetensors"
    save_file({"something.else": torch.zeros(2)}, str(bad))
    with pytest.raises(DreamreelError) as e:
        SdEngine.from_settings(settings(folder, bad), device="cpu")
    assert str(bad) in str(e.value) and "\n" not in str(e.value)
