"""flux-dev, flux-d2align and diffusers run their real from_pretrained paths on tiny random-weight
pipelines of FLUX.1-dev's classes, saved to disk by the tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gen_helpers import cli, run_cli

from divgenbench.errors import ConfigError, MissingWeightsError
from divgenbench.generators import GENERATORS, GenerationSettings, ImageRequest
from divgenbench.generators.flux import FLUX_DEV_HUB_ID, FLUX_DEV_REVISION
from divgenbench.generators.tiny_flux import build_tiny_flux_pipeline

SETTINGS = GenerationSettings(batch_size=2, dtype="float32", num_inference_steps=2, resolution=64, device="cpu")
REQUESTS = [ImageRequest("id-0001", "id", "a portrait photo of an elderly woman", 0, 11),
            ImageRequest("style-0001", "style", "a cubist painting of a harbour", 0, 12)]
LORA_TARGETS = ["to_q", "to_k", "to_v", "to_out.0"]


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory):
    """A saved tiny base pipeline, D2-Align-style checkpoints (full, LoRA, PEFT LoRA) and, for each,
    a pipeline folder with the tuned weights merged in by hand (the expected outputs)."""
    from diffusers import FluxPipeline
    from peft import LoraConfig, get_peft_model
    from peft.utils import get_peft_model_state_dict

    root = tmp_path_factory.mktemp("flux")
    paths = {name: root / name for name in ("base", "full", "full-ref", "lora", "lora-ref", "peft", "peft-ref")}
    pipe = build_tiny_flux_pipeline(dtype="float32")
    pipe.save_pretrained(paths["base"])

    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for parameter in pipe.transformer.parameters():
            parameter.add_(0.05 * torch.randn(parameter.shape, generator=generator))
    pipe.transformer.save_pretrained(paths["full"])  # FluxTransformer2DModel.save_pretrained layout
    pipe.save_pretrained(paths["full-ref"])

    torch.manual_seed(2)
    pipe = build_tiny_flux_pipeline(dtype="float32")
    pipe.transformer.add_adapter(LoraConfig(r=4, lora_alpha=4, target_modules=LORA_TARGETS, init_lora_weights=False))
    FluxPipeline.save_lora_weights(paths["lora"], transformer_lora_layers=get_peft_model_state_dict(pipe.transformer))
    pipe.fuse_lora()
    pipe.unload_lora_weights()
    pipe.save_pretrained(paths["lora-ref"])

    torch.manual_seed(3)
    pipe = build_tiny_flux_pipeline(dtype="float32")
    peft_model = get_peft_model(pipe.transformer, LoraConfig(r=4, lora_alpha=8, target_modules=LORA_TARGETS,
                                                             init_lora_weights=False))
    peft_model.save_pretrained(paths["peft"])  # adapter_config.json + adapter_model.safetensors, alpha/r = 2
    pipe.transformer = peft_model.merge_and_unload()
    pipe.save_pretrained(paths["peft-ref"])
    return paths


def pixels(model: str, **model_args) -> np.ndarray:
    generator = GENERATORS.get(model)(SETTINGS, {"max_sequence_length": "256", **model_args})
    return np.stack([np.asarray(im, dtype=np.int16) for im in generator.generate(REQUESTS)])


def test_flux_dev_and_diffusers_load_a_local_pipeline_and_record_effective_settings(checkpoints):
    flux = GENERATORS.get("flux-dev")(SETTINGS.resolved(guidance_scale=None), {"pretrained": str(checkpoints["base"])})
    flux.load()
    described = flux.describe()
    assert described["pipeline_class"] == "FluxPipeline" and described["hub_id"] == str(checkpoints["base"])
    assert described["revision"] is None  # a local folder has no hub revision
    assert described["settings"]["guidance_scale"] == 3.5  # SPEC §3 default, resolved and recorded
    assert described["max_sequence_length"] == 512

    generic = GENERATORS.get("diffusers")(GenerationSettings(device="cpu"), {"pretrained": str(checkpoints["base"])})
    generic.load()
    settings = generic.describe()["settings"]
    # unset settings take the pipeline's own defaults (FluxPipeline: 28 steps, 128 latent px × VAE factor 8)
    assert (settings["num_inference_steps"], settings["resolution"], settings["dtype"]) == (28, 1024, "float32")

    base = pixels("flux-dev", pretrained=str(checkpoints["base"]))
    assert np.array_equal(base, pixels("diffusers", pretrained=str(checkpoints["base"])))
    assert not np.array_equal(base[0], base[1])


@pytest.mark.parametrize("kind", ["full", "lora", "peft"])
def test_flux_d2align_checkpoints_change_the_output_as_merging_them_by_hand_does(checkpoints, kind):
    base = pixels("flux-dev", pretrained=str(checkpoints["base"]))
    tuned = pixels("flux-d2align", base=str(checkpoints["base"]), checkpoint=str(checkpoints[kind]))
    expected = pixels("flux-dev", pretrained=str(checkpoints[f"{kind}-ref"]))
    assert np.abs(tuned - base).mean() > 0.5  # the checkpoint's weights are in use
    assert np.abs(tuned - expected).max() <= 1  # and they are the trained ones, scaled as trained


def test_flux_d2align_detects_formats_and_refuses_anything_else(checkpoints, tmp_path):
    generator = GENERATORS.get("flux-d2align")(SETTINGS, {"base": str(checkpoints["base"]),
                                                           "checkpoint": str(checkpoints["lora"])})
    generator.load()
    assert generator.describe()["checkpoint_format"] == "lora"
    (tmp_path / "notes.txt").write_text("not a checkpoint")
    with pytest.raises(ConfigError, match="neither a FluxTransformer2DModel folder nor a LoRA"):
        GENERATORS.get("flux-d2align")(SETTINGS, {"base": str(checkpoints["base"]), "checkpoint": str(tmp_path)}).load()
    with pytest.raises(ConfigError, match="checkpoint=PATH_OR_HUB_ID"):
        GENERATORS.get("flux-d2align")(SETTINGS, {})
    with pytest.raises(ConfigError, match="does not take --model-args pretrained"):
        GENERATORS.get("flux-d2align")(SETTINGS, {"checkpoint": "x", "pretrained": "y"})


def test_a_path_that_does_not_exist_is_one_clear_error(tmp_path):
    generator = GENERATORS.get("diffusers")(SETTINGS, {"pretrained": str(tmp_path / "no" / "such" / "model")})
    with pytest.raises(MissingWeightsError, match="neither an existing folder nor a hub repo id"):
        generator.load()


def test_offline_flux_dev_says_what_to_download_and_where(tmp_path):
    # --generate-only: the extractors' weights (checked first otherwise) are not needed
    done = run_cli(cli("eval", "--model", "flux-dev", "--limit", "1", "-q", "-o", str(tmp_path / "run"),
                       "--generate-only"),
                   HF_HUB_OFFLINE="1", DIVGENBENCH_HOME=str(tmp_path / "home"))
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in done.stderr
    assert f"hf download {FLUX_DEV_HUB_ID} --revision {FLUX_DEV_REVISION} --cache-dir {tmp_path / 'home' / 'hub'}" \
        in errors[0]
