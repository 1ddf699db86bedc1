import numpy as np

from divgenbench.guidance.contrastive import contrast


def test_strength_zero_is_the_base_prediction_and_otherwise_adds_the_preference_direction():
    base, positive, negative = np.random.default_rng(0).standard_normal((3, 2, 5))
    assert contrast(base, positive, negative, 0.0) is base
    np.testing.assert_allclose(contrast(base, positive, negative, 1.5), base + 1.5 * (positive - negative))
    # Diffusion-NPO: the base model as the positive branch pushes away from the negative-preference model
    np.testing.assert_allclose(contrast(base, base, negative, 2.0), base + 2.0 * (base - negative))
