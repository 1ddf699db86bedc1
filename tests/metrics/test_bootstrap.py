import numpy as np
import pytest

from divgenbench.metrics import (
    asc_statistic,
    bootstrap_interval,
    identity_divergence_score,
    ids_statistic,
    paired_bootstrap_difference,
    photographic_variance_score,
    pvs_statistic,
    sdi_statistic,
)
from divgenbench.metrics.bootstrap import draw_counts, resample_indices
from divgenbench.metrics.irs import RetrievalReference

RESAMPLES = 60
PROMPT_OF_IMAGE = np.array([0, 0, 1, 2, 2, 2, 3, 4, 5, 5, 6, 7])  # several images per prompt, as in full-4


def naive_scores(indices, prompt_of_image, score_images):
    """Rescore from scratch: gather the images of each resample's prompts (repeats included)."""
    return np.array(
        [score_images(np.concatenate([np.flatnonzero(prompt_of_image == p) for p in row])) for row in indices]
    )


def vectorised_scores(statistic, indices):
    return statistic.score_counts(draw_counts(indices, statistic.n_prompts))


def test_indices_come_from_the_seeded_generator():
    expected = np.random.default_rng(0).integers(0, 7, size=(5, 7))
    np.testing.assert_array_equal(resample_indices(7, 5, 0), expected)
    # counts: row b says how often each prompt was drawn
    counts = draw_counts(expected, 7)
    np.testing.assert_array_equal(counts[2], np.bincount(expected[2], minlength=7))


def test_ids_resamples_equal_naive_rescoring():
    embeddings = np.random.default_rng(1).standard_normal((len(PROMPT_OF_IMAGE), 6))
    indices = resample_indices(8, RESAMPLES, 0)
    naive = naive_scores(indices, PROMPT_OF_IMAGE, lambda rows: identity_divergence_score(embeddings[rows]))
    fast = vectorised_scores(ids_statistic(embeddings, PROMPT_OF_IMAGE), indices)
    np.testing.assert_allclose(fast, naive, rtol=0, atol=1e-12)


def test_pvs_resamples_equal_naive_rescoring():
    stats = np.random.default_rng(2).uniform(size=(len(PROMPT_OF_IMAGE), 3))
    indices = resample_indices(8, RESAMPLES, 0)
    naive = naive_scores(indices, PROMPT_OF_IMAGE, lambda rows: photographic_variance_score(stats[rows]))
    fast = vectorised_scores(pvs_statistic(stats, PROMPT_OF_IMAGE), indices)
    np.testing.assert_allclose(fast, naive, rtol=0, atol=1e-12)


def test_asc_resamples_equal_naive_rescoring_of_distinct_images():
    rng = np.random.default_rng(3)
    train, test = rng.standard_normal((40, 5)), rng.standard_normal((15, 5))
    synth = rng.standard_normal((len(PROMPT_OF_IMAGE), 5))
    reference = RetrievalReference(train)
    test_support = reference.irs_support(reference.nearest(test))

    def rescore(rows):  # an image drawn twice is one query
        return reference.irs_support(reference.nearest(synth[np.unique(rows)])) / test_support

    indices = resample_indices(8, RESAMPLES, 0)
    fast = vectorised_scores(asc_statistic(train, test, synth, PROMPT_OF_IMAGE), indices)
    np.testing.assert_allclose(fast, naive_scores(indices, PROMPT_OF_IMAGE, rescore), rtol=0, atol=1e-12)


def test_interval_equals_percentiles_of_the_naive_loop():
    values = np.random.default_rng(4).uniform(size=30)
    result = bootstrap_interval(sdi_statistic(values), resamples=200, seed=5)
    naive = [values[row].mean() for row in np.random.default_rng(5).integers(0, 30, size=(200, 30))]
    assert (result.low, result.high) == pytest.approx(tuple(np.percentile(naive, [2.5, 97.5])), abs=1e-12)
    assert result.value == pytest.approx(values.mean())
    assert (result.n, result.resamples, result.seed, result.confidence) == (30, 200, 5, 0.95)


def test_defaults_are_1000_resamples_seed_0_and_95_percent():
    result = bootstrap_interval(sdi_statistic(np.linspace(0, 1, 10)))
    assert (result.resamples, result.seed, result.confidence) == (1000, 0, 0.95)
    assert result.low <= result.value <= result.high


def test_paired_difference_uses_the_same_draws_for_both_runs():
    rng = np.random.default_rng(6)
    difficulty = rng.uniform(size=40)  # shared by both runs, so it cancels in a paired comparison
    run_a, run_b = difficulty + 0.02, difficulty + 0.002 * rng.standard_normal(40)
    paired = paired_bootstrap_difference(sdi_statistic(run_a), sdi_statistic(run_b), resamples=300, seed=1)
    draws = np.random.default_rng(1).integers(0, 40, size=(300, 40))
    naive = [run_a[row].mean() - run_b[row].mean() for row in draws]
    assert (paired.low, paired.high) == pytest.approx(tuple(np.percentile(naive, [2.5, 97.5])), abs=1e-12)
    assert paired.difference == pytest.approx(run_a.mean() - run_b.mean())
    assert paired.significant
    same = paired_bootstrap_difference(sdi_statistic(run_a), sdi_statistic(run_a), resamples=50)
    assert (same.difference, same.low, same.high, same.significant) == (0.0, 0.0, 0.0, False)
