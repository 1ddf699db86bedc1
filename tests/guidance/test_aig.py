"""AIG's schedules and mixing (pure arithmetic; the diffusers wiring is tested with the guidance kind)."""

import numpy as np
import pytest

from divgenbench.guidance.aig import SCHEDULES, aig_gamma, mix

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
