"""``constant-mix`` through the ``guided`` generator on two different tiny FLUX transformers: w = 0 is the
base alone and w = 1 the other transformer alone, byte for byte; the method passes the guidance kit."""

from __future__ import annotations

import pytest
from guidance_kit import (SETTINGS, check_method, guided, pixels, same_images, tiny_flux_pixels,
                          transformer_alone_pixels)

from divgenbench.errors import ConfigError
from divgenbench.generators import GENERATORS
from divgenbench.guidance.constant_mix import ConstantMix


def test_constant_mix_passes_the_guidance_kit():
    check_method(ConstantMix, registered_as="constant-mix")


@pytest.mark.slow
def test_w0_is_the_base_and_w1_the_other_transformer_byte_for_byte():
    alone = tiny_flux_pixels(0)
    assert same_images(pixels(guided("constant-mix", 0, [1], w=0.0)), alone)

    other_alone = transformer_alone_pixels(0, 1)
    assert not same_images(other_alone, alone)  # the transformers differ
    assert same_images(pixels(guided("constant-mix", 0, [1], w=1.0)), other_alone)

    half = pixels(guided("constant-mix", 0, [1], w=0.5))
    assert not any(same_images([a], [b]) for a, b in zip(half, alone))
    assert same_images(tiny_flux_pixels(0), alone)  # the cached base pipeline is untouched


def test_guided_args_are_checked_before_loading():
    with pytest.raises(ConfigError, match="w=2"):
        GENERATORS.get("guided")(SETTINGS, {"method": "constant-mix", "base": "tiny-flux", "others": "tiny-flux",
                                            "w": "2"})
    with pytest.raises(ConfigError, match="exactly 1"):
        GENERATORS.get("guided")(SETTINGS, {"method": "constant-mix", "base": "tiny-flux",
                                            "others": "tiny-flux+tiny-flux"})
    with pytest.raises(ConfigError, match="unknown guidance 'nope'"):
        GENERATORS.get("guided")(SETTINGS, {"method": "nope", "base": "tiny-flux", "others": "tiny-flux"})
    with pytest.raises(ConfigError, match="diffusers-based base"):
        GENERATORS.get("guided")(SETTINGS, {"method": "constant-mix", "base": "folder", "others": "tiny-flux"})
