"""``lora-scale`` through the ``guided`` generator on two different tiny FLUX transformers: s = 0 is the base
alone and s = 1 the tuned transformer alone, byte for byte; s is the same at every step; it passes the kit."""

import pytest
import torch
from guidance_kit import (check_method, guided, pixels, predictions, same_images, tiny_flux_pixels,
                          transformer_alone_pixels)

from divgenbench.errors import ConfigError
from divgenbench.guidance.lora_scale import LoraScale


def test_lora_scale_passes_the_guidance_kit():
    check_method(LoraScale, registered_as="lora-scale")


def test_one_scale_at_every_step_and_extrapolation_past_the_tuned_model():
    base, tuned = predictions(2)
    method = LoraScale.from_model_args({"scale": "1.5"})
    expected = base + 1.5 * (tuned - base)
    for step, t in enumerate((1.0, 0.6, 0.1)):
        torch.testing.assert_close(method.combine([base, tuned], t, step, 3), expected, rtol=0, atol=1e-12)
    with pytest.raises(ConfigError, match="scale"):
        LoraScale.from_model_args({"scale": "-0.5"})


@pytest.mark.slow
def test_s0_is_the_base_and_s1_the_tuned_transformer_byte_for_byte():
    base_alone = tiny_flux_pixels(0)
    tuned_alone = transformer_alone_pixels(0, 1)
    assert not same_images(base_alone, tuned_alone)
    assert same_images(pixels(guided("lora-scale", 0, [1], scale=0)), base_alone)
    assert same_images(pixels(guided("lora-scale", 0, [1], scale=1)), tuned_alone)
