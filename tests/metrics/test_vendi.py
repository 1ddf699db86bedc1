"""Vendi oracles: n orthogonal rows → n, identical rows → 1, the `vendi-score` package on the same features."""

import numpy as np
import pytest
from vendi_score import vendi

from divgenbench.metrics import vendi_per_prompt, vendi_score, vendi_statistic
from divgenbench.metrics.bootstrap import draw_counts, resample_indices

RNG = np.random.default_rng(0)
pytestmark = pytest.mark.filterwarnings("ignore:Please import `csr_matrix`:DeprecationWarning")  # the package's
ORDERS = [0.5, 1.0, 2.0, np.inf]


def oracle(features, q):
    """The package's dual form when d < n, else its kernel form on unit rows (its `score_X` ignores q).

    With n > d the n×n kernel has n − d zero eigenvalues that come out of eigvalsh as ±1e-17 noise, and an
    order q < 1 inflates that noise (40 rows, 12 dims, q = 0.5: +4e-8); the d×d dual has none.
    """
    order = "inf" if q == np.inf else q
    if features.shape[0] > features.shape[1]:
        return vendi.score_dual(features, q=order)
    unit = features / np.linalg.norm(features, axis=1, keepdims=True)
    return vendi.score_K(unit @ unit.T, q=order)


@pytest.mark.parametrize("q", [0.0, *ORDERS])
def test_orthogonal_rows_count_as_n_and_identical_rows_as_one(q):
    scaled_basis = np.eye(9)[:6] * RNG.uniform(0.5, 3, (6, 1))  # norms do not matter: cosine kernel
    assert vendi_score(scaled_basis, q) == pytest.approx(6, rel=1e-12)
    assert vendi_score(np.tile(RNG.standard_normal(5), (8, 1)), q) == pytest.approx(1, rel=1e-12)


@pytest.mark.parametrize("q", ORDERS)
@pytest.mark.parametrize("rows, dims", [(40, 12), (12, 40)])  # dual form (d < n) and kernel form
def test_equals_the_vendi_score_package(q, rows, dims):
    features = RNG.standard_normal((rows, dims)) + 0.8  # correlated rows: the score is strictly between 1 and n
    expected = oracle(features, q)
    assert 1 < expected < rows
    assert vendi_score(features, q) == pytest.approx(expected, rel=1e-9)
    assert vendi_score(features[RNG.permutation(rows)], q) == pytest.approx(expected, rel=1e-9)


def test_dual_and_kernel_forms_of_the_package_agree_with_ours_at_q_1():
    features = RNG.standard_normal((300, 16))
    unit = features / np.linalg.norm(features, axis=1, keepdims=True)
    assert vendi_score(features) == pytest.approx(vendi.score_dual(features), rel=1e-10)
    assert vendi_score(features) == pytest.approx(vendi.score_K(unit @ unit.T), rel=1e-10)


def test_resamples_equal_rescoring_the_gathered_images_repeats_included():
    prompt_of_image = np.array([0, 0, 1, 2, 2, 2, 3, 4, 5, 5, 6, 7])
    features = RNG.standard_normal((len(prompt_of_image), 5)) + 0.3
    indices = resample_indices(8, 30, 0)
    fast = vendi_statistic(features, prompt_of_image, q=2).score_counts(draw_counts(indices, 8))
    naive = [
        oracle(features[np.concatenate([np.flatnonzero(prompt_of_image == p) for p in row])], 2) for row in indices
    ]
    np.testing.assert_allclose(fast, naive, rtol=1e-9)


def test_per_prompt_scores_each_prompts_own_images():
    prompt_of_image = np.array([3, 0, 0, 1, 1, 1, 3, 0, 3, 3])  # unequal sizes, interleaved rows, prompt 2 empty
    features = RNG.standard_normal((10, 6))
    scores = vendi_per_prompt(features, prompt_of_image, q=1)
    for prompt in (0, 1, 3):
        assert scores[prompt] == pytest.approx(oracle(features[prompt_of_image == prompt], 1), rel=1e-9)
    assert np.isnan(scores[2])


def test_bad_order_is_named():
    with pytest.raises(ValueError, match="q must be a number >= 0"):
        vendi_score(np.eye(3), q=-1)
    with pytest.raises(ValueError, match="features has zero-norm rows"):
        vendi_score(np.zeros((2, 3)))
