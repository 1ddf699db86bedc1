"""Contrastive guidance's arithmetic, and the ``contrastive-guidance`` plug-in through the ``guided`` generator on
tiny FLUX transformers: strength 0 is the base alone, byte for byte; it passes the guidance kit."""

import numpy as np
import pytest
from guidance_kit import check_method, guided, pixels, same_images, tiny_flux_pixels

from divgenbench.errors import ConfigError
from divgenbench.guidance.contrastive import ContrastiveGuidance, contrast


def test_strength_zero_is_the_base_prediction_and_otherwise_adds_the_preference_direction():
    base, positive, negative = np.random.default_rng(0).standard_normal((3, 2, 5))
    assert contrast(base, positive, negative, 0.0) is base
    np.testing.assert_allclose(contrast(base, positive, negative, 1.5), base + 1.5 * (positive - negative))
    # Diffusion-NPO: the base model as the positive branch pushes away from the negative-preference model
    np.testing.assert_allclose(contrast(base, base, negative, 2.0), base + 2.0 * (base - negative))


def test_contrastive_guidance_passes_the_guidance_kit():
    check_method(ContrastiveGuidance, registered_as="contrastive-guidance")


def test_contrastive_guidance_needs_a_positive_and_a_negative_model():
    with pytest.raises(ConfigError, match="exactly 2"):
        guided("contrastive-guidance", 0, [1])
    with pytest.raises(ConfigError, match="strength"):
        guided("contrastive-guidance", 0, [1, 2], strength=-1)


@pytest.mark.slow
def test_strength_0_is_the_base_model_byte_for_byte():
    base_alone = tiny_flux_pixels(0)
    assert same_images(pixels(guided("contrastive-guidance", 0, [1, 2], strength=0)), base_alone)
    # the preference direction of two different transformers moves the images; of two equal ones it is zero
    pushed = pixels(guided("contrastive-guidance", 0, [1, 2], strength=1))
    assert not any(same_images([a], [b]) for a, b in zip(pushed, base_alone))
    assert same_images(pixels(guided("contrastive-guidance", 0, [1, 1], strength=1)), base_alone)
