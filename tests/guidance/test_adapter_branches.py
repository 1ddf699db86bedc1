"""An "other" that is a LoRA on the base's own denoiser (issue 11 item 5): one transformer in memory, its adapter
switched on only for its branch. The base branch is the base byte for byte, the adapter branch is the unfused
LoRA model byte for byte, the adapter is off again after every call, and what cannot be toggled per branch (a
LoRA that also adapts the shared text encoder, a path that is no LoRA, bad args) is refused before any image."""

from __future__ import annotations

import copy

import pytest
import torch
from guidance_kit import REQUESTS, SETTINGS, guided, pixels, same_images, tiny_flux_pixels

from divgenbench.errors import ConfigError
from divgenbench.generators import GENERATORS
from divgenbench.generators.tiny_flux import build_tiny_flux_pipeline
from divgenbench.guidance import GUIDANCE, guide_pipeline
from divgenbench.guidance.base import AdapterBranch

LORA_TARGETS = ["to_q", "to_k", "to_v", "to_out.0"]


def fresh_tiny_flux(**model_args: str):
    """A tiny-flux generator (weights 0) on its own, uncached pipeline: tests may add adapters to it without
    touching the pipeline every other tiny-flux of this process shares."""
    generator = GENERATORS.get("tiny-flux")(SETTINGS, {"weights_seed": "0", **model_args})
    generator.load()
    generator.pipe = build_tiny_flux_pipeline(0, generator.settings.dtype)
    return generator


def _tiny_lora(seed: int):
    """tiny-flux (weights 0) with a random rank-4 LoRA on its transformer, and the LoRA's state dict."""
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    pipe = fresh_tiny_flux().pipe
    torch.manual_seed(seed)
    pipe.transformer.add_adapter(LoraConfig(r=4, lora_alpha=8, target_modules=LORA_TARGETS, init_lora_weights=False))
    return pipe, get_peft_model_state_dict(pipe.transformer)


@pytest.fixture(scope="module")
def loras(tmp_path_factory):
    """The same random LoRA saved as a diffusers LoRA file and as a PEFT folder; and one that also adapts the
    text encoder."""
    from diffusers import FluxPipeline
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from peft.utils import get_peft_model_state_dict

    root = tmp_path_factory.mktemp("loras")
    pipe, state = _tiny_lora(5)
    metadata = pipe.transformer.peft_config["default"].to_dict()  # rank and alpha: the scaling is alpha / r = 2
    FluxPipeline.save_lora_weights(root / "diffusers", transformer_lora_layers=state,
                                   transformer_lora_adapter_metadata=metadata)
    plain = fresh_tiny_flux()
    peft_model = get_peft_model(plain.pipe.transformer, LoraConfig(r=4, lora_alpha=8, target_modules=LORA_TARGETS))
    loaded = set_peft_model_state_dict(peft_model, {f"base_model.model.{k}": v for k, v in state.items()})
    assert not loaded.unexpected_keys
    peft_model.save_pretrained(root / "peft")
    pipe.text_encoder.add_adapter(LoraConfig(r=2, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    FluxPipeline.save_lora_weights(root / "with-text-encoder", transformer_lora_layers=state,
                                   transformer_lora_adapter_metadata=metadata,
                                   text_encoder_lora_layers=get_peft_model_state_dict(pipe.text_encoder),
                                   text_encoder_lora_adapter_metadata=pipe.text_encoder.peft_config["default"].to_dict())
    return root


def unfused_lora_pixels(path) -> list:
    """tiny-flux (weights 0) with the LoRA loaded unfused and switched on: what the adapter branch computes."""
    reference = fresh_tiny_flux()
    reference.pipe.load_lora_weights(str(path), adapter_name="reference")
    return pixels(reference)


def lora_scale(path, scale: float, lora_args: str = ""):
    return GENERATORS.get("guided")(SETTINGS, {"method": "lora-scale", "base": "tiny-flux@weights_seed=0",
                                               "others": f"lora@path={path}{lora_args}", "scale": str(scale)})


@pytest.mark.slow
@pytest.mark.parametrize("saved_as", ["diffusers", "peft"])
def test_the_base_branch_is_the_base_and_the_adapter_branch_the_unfused_lora(loras, saved_as):
    base_alone = tiny_flux_pixels(0)
    with_lora = unfused_lora_pixels(loras / "diffusers")
    assert not same_images(base_alone, with_lora)
    assert same_images(pixels(lora_scale(loras / saved_as, 0)), base_alone)
    tuned = lora_scale(loras / saved_as, 1)
    assert same_images(pixels(tuned), with_lora)
    adapter = tuned.describe()["adapters"][0]
    assert adapter["format"] == {"diffusers": "lora", "peft": "peft-lora"}[saved_as] and len(adapter["sha256"]) == 64


@pytest.mark.slow
def test_one_copy_of_the_weights_and_the_adapter_off_after_each_call(loras):
    from peft.tuners.tuners_utils import BaseTunerLayer

    generator = lora_scale(loras / "diffusers", 0.5)
    generator.generate(REQUESTS[:1])
    denoiser = generator.base.pipe.transformer
    assert len(denoiser.others) == 0 and denoiser.branches == [AdapterBranch("guided-other-0", 1.0)]
    alone = GENERATORS.get("tiny-flux")(SETTINGS, {"weights_seed": "0"})
    alone.load()
    base_params = sum(p.numel() for p in alone.pipe.transformer.parameters())
    lora_params = sum(p.numel() for n, p in denoiser.named_parameters() if "lora_" in n)
    assert 0 < lora_params < base_params // 10
    assert sum(p.numel() for p in denoiser.parameters()) == base_params + lora_params
    shared = alone.pipe.transformer  # the cached pipeline other tiny-flux generators use: left without adapters
    assert not any("lora_" in n for n, _ in shared.named_parameters())
    layers = [m for m in denoiser.base.modules() if isinstance(m, BaseTunerLayer)]
    assert layers and all(layer.disable_adapters for layer in layers)


@pytest.mark.slow
def test_adapter_and_module_branches_keep_the_users_order(loras):
    """contrastive guidance over (LoRA adapter, separate tiny-flux) gives the images of the same method over
    (a separate copy carrying the unfused LoRA, the same tiny-flux): branches are not reordered by kind."""
    method = GUIDANCE.get("contrastive-guidance").from_model_args({"strength": "0.5"})
    other = GENERATORS.get("tiny-flux")(SETTINGS, {"weights_seed": "1"})
    other.load()

    shared = fresh_tiny_flux()
    shared.pipe.load_lora_weights(str(loras / "diffusers"), adapter_name="lora")
    shared.pipe = guide_pipeline(shared.pipe, [AdapterBranch("lora"), other.pipe.transformer], method, 28)

    copies = fresh_tiny_flux()
    lora_copy = copy.deepcopy(copies.pipe.transformer)
    lora_copy.load_lora_adapter(str(loras / "diffusers"), weight_name="pytorch_lora_weights.safetensors",
                                adapter_name="lora")
    copies.pipe = guide_pipeline(copies.pipe, [lora_copy, other.pipe.transformer], method, 28)
    assert same_images(pixels(shared), pixels(copies))


def test_a_lora_that_adapts_the_shared_text_encoder_is_refused(loras):
    with pytest.raises(ConfigError, match="also adapts text_encoder"):
        lora_scale(loras / "with-text-encoder", 1).load()


def test_bad_lora_branches_are_one_error_before_any_model_loads(tmp_path, loras):
    with pytest.raises(ConfigError, match="scale=nan"):
        lora_scale(loras / "diffusers", 1, ";scale=nan")
    with pytest.raises(ConfigError, match="does not take --model-args strength"):
        lora_scale(loras / "diffusers", 1, ";strength=2")
    with pytest.raises(ConfigError, match="path"):
        GENERATORS.get("guided")(SETTINGS, {"method": "lora-scale", "base": "tiny-flux", "others": "lora"})
    (tmp_path / "notes.txt").write_text("not weights")
    with pytest.raises(ConfigError, match="not a LoRA"):  # when the command is planned: before run.json
        lora_scale(tmp_path, 1)
    with pytest.raises(ConfigError, match="neither an existing folder nor a hub repo id"):
        lora_scale(tmp_path / "no" / "such" / "lora", 1)
    from safetensors.torch import save_file

    wrong = tmp_path / "other-architecture.safetensors"  # a rank-4 LoRA for a 3072-wide transformer
    save_file({"transformer.transformer_blocks.0.attn.to_q.lora_A.weight": torch.zeros(4, 3072),
               "transformer.transformer_blocks.0.attn.to_q.lora_B.weight": torch.zeros(3072, 4)}, wrong)
    with pytest.raises(ConfigError, match="does not load as a LoRA of FluxTransformer2DModel"):
        lora_scale(wrong, 1).load()
    assert guided("lora-scale", 0, [1]).lora_branches == {}
