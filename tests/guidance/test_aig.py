"""AIG's schedules and mixing (pure arithmetic), and the ``aig`` plug-in through the ``guided`` generator on two
different tiny FLUX transformers: γ ≡ 0 is the base alone, γ ≡ 1 the fine-tuned transformer alone, byte for byte."""

import numpy as np
import pytest
from guidance_kit import check_method, guided, pixels, same_images, tiny_flux_pixels, transformer_alone_pixels

from divgenbench.errors import ConfigError
from divgenbench.guidance.aig import SCHEDULES, AnnealedImportanceGuidance, aig_gamma, mix

PROGRESS = np.linspace(0, 1, 51)


def test_power_is_the_papers_default_schedule():
    # γ(t) = 1 − (1 − t/T)² at t = 0, T/4, T/2, T: base alone at the first step, fine-tuned alone at the end
    assert [aig_gamma(s) for s in (0, 0.25, 0.5, 1)] == pytest.approx([0, 0.4375, 0.75, 1])
    assert aig_gamma(0.3, exponent=1) == pytest.approx(0.3)


@pytest.mark.parametrize("schedule", ["power", "sigmoid", "step"])
def test_annealing_schedules_rise_from_base_to_fine_tuned(schedule):
    gammas = np.array([aig_gamma(s, schedule) for s in PROGRESS])
    assert gammas[0] == pytest.approx(0) and gammas[-1] == pytest.approx(1)
    assert (np.diff(gammas) >= 0).all() and ((gammas >= 0) & (gammas <= 1)).all()


def test_sigmoid_and_step_put_the_switch_where_asked():
    assert aig_gamma(0.3, "sigmoid", midpoint=0.3, sharpness=200) == pytest.approx(0.5, abs=1e-6)
    assert aig_gamma(0.69, "step", switch=0.7) == 0 and aig_gamma(0.7, "step", switch=0.7) == 1


def test_mix_returns_one_prediction_untouched_at_the_endpoints():
    base, tuned = np.random.default_rng(0).standard_normal((2, 4, 3))
    assert mix(base, tuned, 0) is base and mix(base, tuned, 1) is tuned
    np.testing.assert_allclose(mix(base, tuned, 0.25), 0.75 * base + 0.25 * tuned)


def test_bad_schedule_or_progress_is_named():
    with pytest.raises(ValueError, match="schedule must be one of power, sigmoid, step, constant"):
        aig_gamma(0.5, "cosine")
    with pytest.raises(ValueError, match=r"progress must be in \[0, 1\]"):
        aig_gamma(1.5)
    assert set(SCHEDULES) == {"power", "sigmoid", "step", "constant"}


def test_aig_passes_the_guidance_kit():
    check_method(AnnealedImportanceGuidance, registered_as="aig")


def test_aig_reads_the_noise_level_as_one_minus_progress():
    aig = AnnealedImportanceGuidance.from_model_args({})
    # pure noise (t = 1) is the first step: base alone; the clean end (t = 0) is the fine-tuned model alone
    assert [aig.gamma(t) for t in (1.0, 0.75, 0.5, 0.0)] == pytest.approx([0, 0.4375, 0.75, 1])
    assert aig.gamma(1.0004) == 0  # a first sigma rounded above 1 is still the start
    step = AnnealedImportanceGuidance.from_model_args({"schedule": "step", "switch": "0.25"})
    assert step.gamma(0.8) == 0 and step.gamma(0.75) == 1


def test_aig_args_are_typed():
    with pytest.raises(ConfigError, match="cosine"):
        AnnealedImportanceGuidance.from_model_args({"schedule": "cosine"})
    with pytest.raises(ConfigError, match="weight"):
        AnnealedImportanceGuidance.from_model_args({"schedule": "constant", "weight": "1.5"})


@pytest.mark.slow
def test_gamma_0_is_the_base_and_gamma_1_the_fine_tuned_transformer_byte_for_byte():
    base_alone = tiny_flux_pixels(0)
    tuned_alone = transformer_alone_pixels(0, 1)
    assert not same_images(base_alone, tuned_alone)  # the transformers differ
    assert same_images(pixels(guided("aig", 0, [1], schedule="constant", weight=0)), base_alone)
    assert same_images(pixels(guided("aig", 0, [1], schedule="constant", weight=1)), tuned_alone)

    annealed = pixels(guided("aig", 0, [1]))  # the paper's power schedule: a mix of both
    assert not any(same_images([a], [b]) or same_images([a], [c])
                   for a, b, c in zip(annealed, base_alone, tuned_alone))
