from fractions import Fraction
from math import factorial

import numpy as np
import pytest
from scipy.special import gammaln

from divgenbench.metrics import artistic_style_coverage, image_retrieval_score
from divgenbench.metrics.irs import RetrievalReference, most_likely_support, subsample_indices

COMPASS = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])


def exact_support(k: int, n: int, n_train: int) -> int:
    """Exact argmax over s in [k, N_train] of s!/(s−k)!/s^n in rational arithmetic, smallest s on ties."""
    if k == n:
        return n_train
    likelihoods = [Fraction(factorial(s), factorial(s - k) * s**n) for s in range(k, n_train + 1)]
    return k + likelihoods.index(max(likelihoods))


def clustered(rng, centres, per_cluster, noise=0.05):
    labels = np.repeat(np.arange(len(centres)), per_cluster)
    return centres[labels] + noise * rng.standard_normal((len(labels), centres.shape[1]))


def test_irs_hand_computed():
    # queries hit train 0, 0, 1: k = 2, n = 3, likelihood (s−1)/s²: s=2 -> 1/4, s=3 -> 2/9, s=4 -> 3/16
    # -> s* = 2, IRS∞ = 2/4
    query = [[1.0, 0.1], [1.0, -0.1], [0.1, 1.0]]
    assert image_retrieval_score(COMPASS, query) == pytest.approx(0.5)


def test_irs_all_distinct_hits_is_full_support():
    # k = n = 3: the likelihood rises with s, s* = N_train = 4
    assert image_retrieval_score(COMPASS, [[1.0, 0.1], [0.1, 1.0], [-1.0, 0.2]]) == 1.0


def test_support_matches_exact_rational_argmax():
    for n_train in (1, 2, 5, 17, 30):
        for n in range(1, 13):
            for k in range(1, min(n, n_train) + 1):
                assert most_likely_support(k, n, n_train) == exact_support(k, n, n_train), (k, n, n_train)


def test_support_matches_gammaln_scan_at_benchmark_size_also_vectorised():
    n_train, n = 50_000, 800
    s = np.arange(1, n_train + 1, dtype=np.float64)
    ks = np.array([1, 50, 400, 700, 790, 799, 800])
    expected = []
    for k in ks[:-1]:
        candidates = s[k - 1 :]
        log_likelihood = gammaln(candidates + 1) - gammaln(candidates - k + 1) - n * np.log(candidates)
        expected.append(candidates[np.argmax(log_likelihood)])
    expected.append(n_train)  # k = n
    # one call for all k: entries that finish early must not move while others are still searching
    assert most_likely_support(ks, n, n_train).tolist() == expected
    assert [int(most_likely_support(k, n, n_train)) for k in ks] == expected


def test_nearest_ties_go_to_the_smallest_train_index_and_chunks_change_nothing(monkeypatch):
    train = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])  # rows 0 and 1 have the same direction
    assert RetrievalReference(train).nearest([[1.0, 0.1], [0.1, 1.0]]).tolist() == [0, 2]
    rng = np.random.default_rng(0)
    train, query = rng.standard_normal((300, 8)), rng.standard_normal((50, 8))
    whole = RetrievalReference(train).nearest(query)
    monkeypatch.setattr("divgenbench.metrics.irs._SCORE_CHUNK_BYTES", 4 * 8 * 7)
    chunked = RetrievalReference(train).nearest(query)
    np.testing.assert_array_equal(chunked, whole)
    exact = np.argmax((query / np.linalg.norm(query, axis=1, keepdims=True)) @ (train / np.linalg.norm(train, axis=1, keepdims=True)).T, axis=1)
    np.testing.assert_array_equal(whole, exact)


def test_asc_of_test_set_against_itself_is_one():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((30, 16))
    train, test = clustered(rng, centres, 40), clustered(rng, centres, 10)
    assert artistic_style_coverage(train, test, test) == 1.0


def test_asc_is_well_below_one_for_few_clusters():
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((30, 16))
    train, test = clustered(rng, centres, 40), clustered(rng, centres, 10)
    broad = clustered(rng, centres, 10)
    narrow = clustered(rng, centres[:3], 100)
    assert artistic_style_coverage(train, test, broad) == pytest.approx(1.0, abs=0.3)
    assert artistic_style_coverage(train, test, narrow) < 0.25


def test_asc_subsamples_synth_with_seed_42_sorted():
    rng = np.random.default_rng(2)
    train, test, synth = rng.standard_normal((200, 8)), rng.standard_normal((20, 8)), rng.standard_normal((50, 8))
    kept = np.sort(np.random.default_rng(42).choice(50, 20, replace=False))
    np.testing.assert_array_equal(subsample_indices(50, 20), kept)
    assert artistic_style_coverage(train, test, synth) == artistic_style_coverage(train, test, synth[kept])
    # the order of the synthetic images only matters through the subsample
    order = rng.permutation(20)
    assert artistic_style_coverage(train, test, synth[kept][order]) == artistic_style_coverage(train, test, synth[kept])
