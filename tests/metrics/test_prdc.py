"""PRDC oracle: the authors' `prdc` package on the same features; order invariance; resamples vs rescoring."""

import numpy as np
import pytest
from prdc import compute_prdc

from divgenbench.metrics import PRDC_KEYS, prdc_statistics, precision_recall_density_coverage
from divgenbench.metrics.bootstrap import draw_counts, resample_indices

RNG = np.random.default_rng(0)


def oracle(reference, candidate, k):
    return {key: float(value) for key, value in compute_prdc(reference, candidate, k).items()}


@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("shift, spread", [(0.0, 1.0), (0.7, 0.5), (2.0, 1.5)])
def test_equals_the_prdc_package(k, shift, spread, capsys):
    reference = RNG.standard_normal((90, 10)).astype(np.float32)
    candidate = (shift + spread * RNG.standard_normal((70, 10))).astype(np.float32)
    ours = precision_recall_density_coverage(reference, candidate, k)
    assert tuple(ours) == PRDC_KEYS
    assert ours == pytest.approx(oracle(reference, candidate, k), abs=1e-12)
    capsys.readouterr()  # the package prints the set sizes


def test_the_oracle_cases_are_not_trivial(capsys):
    reference = RNG.standard_normal((90, 10))
    shrunk = 0.3 * RNG.standard_normal((90, 10))
    values = precision_recall_density_coverage(reference, shrunk)
    assert values["precision"] > 0.9 and values["recall"] < 0.2  # a shrunk set: faithful but not diverse
    assert values == pytest.approx(oracle(reference, shrunk, 5), abs=1e-12)
    capsys.readouterr()


def test_row_order_does_not_matter():
    reference, candidate = RNG.standard_normal((50, 6)), RNG.standard_normal((40, 6)) + 0.5
    expected = precision_recall_density_coverage(reference, candidate)
    shuffled = precision_recall_density_coverage(reference[RNG.permutation(50)], candidate[RNG.permutation(40)])
    assert shuffled == pytest.approx(expected, abs=1e-15)


def test_resamples_equal_rescoring_the_distinct_drawn_prompts():
    reference_prompt = np.repeat(np.arange(15), 2)  # two images per prompt
    candidate_prompt = np.concatenate([np.arange(15), np.arange(15)[::2]])  # one or two
    reference = RNG.standard_normal((reference_prompt.size, 4))
    candidate = 0.8 * RNG.standard_normal((candidate_prompt.size, 4)) + 0.2
    statistics = prdc_statistics(reference, candidate, reference_prompt, candidate_prompt, k=3)
    indices = resample_indices(15, 25, 0)
    counts = draw_counts(indices, 15)
    for b, row in enumerate(indices):
        drawn = np.unique(row)
        expected = precision_recall_density_coverage(
            reference[np.isin(reference_prompt, drawn)], candidate[np.isin(candidate_prompt, drawn)], k=3
        )
        assert {key: statistics[key].score_counts(counts)[b] for key in PRDC_KEYS} == pytest.approx(
            expected, abs=1e-12
        )
    point = {key: statistics[key].value() for key in PRDC_KEYS}
    assert point == pytest.approx(precision_recall_density_coverage(reference, candidate, k=3), abs=1e-12)


@pytest.mark.parametrize("head", [1, 64])  # the k-th drawn neighbour found in the sorted head, or past it
def test_resamples_do_not_depend_on_how_far_the_neighbour_search_looks_first(head, monkeypatch):
    import divgenbench.metrics.prdc as prdc_module

    reference, candidate = RNG.standard_normal((80, 3)), RNG.standard_normal((80, 3)) * 0.7
    prompts = np.arange(80) // 2
    indices = resample_indices(40, 6, 1)
    counts = draw_counts(indices, 40)
    monkeypatch.setattr(prdc_module, "_HEAD", head)
    statistics = prdc_statistics(reference, candidate, prompts, prompts, k=5)
    for b, row in enumerate(indices):
        drawn = np.isin(prompts, row)
        expected = precision_recall_density_coverage(reference[drawn], candidate[drawn], k=5)
        assert {key: statistics[key].score_counts(counts)[b] for key in PRDC_KEYS} == pytest.approx(expected)


def test_a_resample_with_too_few_rows_is_undefined():
    statistics = prdc_statistics(RNG.standard_normal((6, 2)), RNG.standard_normal((6, 2)), np.arange(6), np.arange(6))
    counts = np.array([[6, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=float)
    scores = statistics["coverage"].score_counts(counts)
    assert np.isnan(scores[0]) and np.isfinite(scores[1])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: precision_recall_density_coverage(np.ones((3, 2)), np.ones((9, 2))), "reference needs at least 6"),
        (lambda: precision_recall_density_coverage(np.ones((9, 2)), np.ones((9, 3))), "candidate has 3"),
        (lambda: precision_recall_density_coverage(np.ones((9, 2)), np.ones((9, 2)), k=0), "k must be a positive"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
