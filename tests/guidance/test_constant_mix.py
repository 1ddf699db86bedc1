"""``constant-mix`` through the ``guided`` generator on two different tiny FLUX transformers: w = 0 is the
base alone and w = 1 the other transformer alone, byte for byte; the method passes the guidance kit."""

from __future__ import annotations

import numpy as np
import pytest
from guidance_kit import check_method

from divgenbench.errors import ConfigError
from divgenbench.generators import GENERATORS, GenerationSettings, ImageRequest
from divgenbench.guidance.constant_mix import ConstantMix
from divgenbench.protocol import image_seed

REQUESTS = [ImageRequest(f"p{i}", "id", text, 0, image_seed("divgenbench-v1", f"p{i}", 0))
            for i, text in enumerate(["a red apple", "an old sailor"])]
SETTINGS = GenerationSettings(batch_size=2)


def pixels(generator) -> list[np.ndarray]:
    return [np.asarray(image) for image in generator.generate(REQUESTS)]


def guided(w: float):
    return GENERATORS.get("guided")(SETTINGS, {"method": "constant-mix", "base": "tiny-flux@weights_seed=0",
                                               "others": "tiny-flux@weights_seed=1", "w": str(w)})


def test_constant_mix_passes_the_guidance_kit():
    check_method(ConstantMix, registered_as="constant-mix")


@pytest.mark.slow
def test_w0_is_the_base_and_w1_the_other_transformer_byte_for_byte():
    base = GENERATORS.get("tiny-flux")(SETTINGS, {"weights_seed": "0"})
    alone = pixels(base)
    assert all(np.array_equal(a, b) for a, b in zip(pixels(guided(0.0)), alone))

    other = GENERATORS.get("tiny-flux")(SETTINGS, {"weights_seed": "1"})
    other.load()
    swapped = GENERATORS.get("tiny-flux")(SETTINGS, {"weights_seed": "0"})
    swapped.load()
    swapped.pipe = type(swapped.pipe)(**{**swapped.pipe.components, "transformer": other.pipe.transformer})
    swapped.pipe.set_progress_bar_config(disable=True)
    other_alone = pixels(swapped)
    assert not all(np.array_equal(a, b) for a, b in zip(other_alone, alone))  # the transformers differ
    assert all(np.array_equal(a, b) for a, b in zip(pixels(guided(1.0)), other_alone))

    half = pixels(guided(0.5))
    assert not any(np.array_equal(a, b) for a, b in zip(half, alone))
    fresh_base = GENERATORS.get("tiny-flux")(SETTINGS, {"weights_seed": "0"})  # the cached pipeline is untouched
    assert all(np.array_equal(a, b) for a, b in zip(pixels(fresh_base), alone))


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
