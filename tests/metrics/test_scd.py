"""SCD oracles: invariances that define it (rotation, translation, row order) and a closed-form shrink."""

import numpy as np
import pytest

from divgenbench.metrics import scd_statistic, spectral_covariance_distance
from divgenbench.metrics.bootstrap import draw_counts, resample_indices
from divgenbench.metrics.scd import covariance_spectrum

RNG = np.random.default_rng(0)


def rotation(dims, rng):
    q, r = np.linalg.qr(rng.standard_normal((dims, dims)))
    return q * np.sign(np.diag(r))


@pytest.mark.parametrize("rows, dims", [(200, 12), (8, 30)])  # primal (n > d) and dual (n < d)
def test_zero_for_a_rotated_and_translated_copy(rows, dims):
    features = RNG.standard_normal((rows, dims)) * np.linspace(3, 0.1, dims)
    moved = features @ rotation(dims, RNG) + RNG.uniform(-50, 50, dims)
    assert spectral_covariance_distance(features, moved) == pytest.approx(0, abs=1e-9)


def test_shrinking_the_spread_by_c_gives_the_closed_form():
    # every covariance eigenvalue scales by c², so SCD = (1 − c²)² Σ λ²
    features = RNG.standard_normal((300, 6)) * np.arange(1, 7)
    centred = features - features.mean(axis=0)
    eigenvalues = np.linalg.eigvalsh(centred.T @ centred / len(features))
    for c in (0.9, 0.5, 0.1):
        shrunk = features.mean(axis=0) + c * centred
        expected = (1 - c**2) ** 2 * (eigenvalues**2).sum()
        assert spectral_covariance_distance(features, shrunk) == pytest.approx(expected, rel=1e-10)
    assert spectral_covariance_distance(features, features.mean(axis=0) + 0.9 * centred) < (
        spectral_covariance_distance(features, features.mean(axis=0) + 0.5 * centred)
    )


def test_spectrum_matches_numpy_covariance_and_is_order_invariant():
    features = RNG.standard_normal((40, 7))
    expected = np.sort(np.linalg.eigvalsh(np.cov(features.T, bias=True)))[::-1]
    np.testing.assert_allclose(covariance_spectrum(features), expected, atol=1e-12)
    shuffled = features[RNG.permutation(40)]
    other = RNG.standard_normal((25, 7)) * 2
    assert spectral_covariance_distance(shuffled, other) == pytest.approx(
        spectral_covariance_distance(features, other[::-1]), rel=1e-12
    )
    assert spectral_covariance_distance(features, other) == pytest.approx(
        spectral_covariance_distance(other, features), rel=1e-12
    )


def test_different_widths_pad_the_shorter_spectrum_with_zeros():
    narrow, wide = RNG.standard_normal((50, 3)), RNG.standard_normal((50, 5))
    a, b = covariance_spectrum(narrow), covariance_spectrum(wide)
    expected = ((np.concatenate([a, [0, 0]]) - b) ** 2).sum()
    assert spectral_covariance_distance(narrow, wide) == pytest.approx(expected, rel=1e-12)
    # the same features with two constant (zero-variance) extra columns are the same spread
    padded = np.column_stack([narrow, np.full((50, 2), 7.0)])
    assert spectral_covariance_distance(narrow, padded) == pytest.approx(0, abs=1e-12)


def test_resamples_equal_naive_rescoring_of_the_gathered_images():
    prompt_of_image = np.array([0, 0, 1, 2, 2, 3, 4, 5, 6, 6, 7, 8, 9, 9])  # several images on some prompts
    reference = RNG.standard_normal((len(prompt_of_image), 4))
    candidate = RNG.standard_normal((10, 4)) * 0.5  # one image per prompt
    candidate_prompt = np.arange(10)
    indices = resample_indices(10, 40, 0)
    counts = draw_counts(indices, 10)
    fast = scd_statistic(reference, candidate, prompt_of_image, candidate_prompt).score_counts(counts)

    def gathered(features, prompts, row):
        return features[np.concatenate([np.flatnonzero(prompts == p) for p in row])]

    naive = [
        spectral_covariance_distance(gathered(reference, prompt_of_image, row), gathered(candidate, candidate_prompt, row))
        for row in indices
    ]
    np.testing.assert_allclose(fast, naive, rtol=1e-9, atol=1e-12)
    statistic = scd_statistic(reference, candidate, prompt_of_image, candidate_prompt)
    assert statistic.value() == pytest.approx(spectral_covariance_distance(reference, candidate), rel=1e-10)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="a needs at least 2 rows"):
        spectral_covariance_distance([[1.0, 2.0]], [[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="b contains NaN"):
        spectral_covariance_distance([[1.0], [2.0]], [[1.0], [np.nan]])
