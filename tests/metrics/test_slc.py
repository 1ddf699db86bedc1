"""SLC and the ASC saturation flag (SPEC §8)."""

import numpy as np
import pytest

from divgenbench.metrics import (
    RetrievalReference,
    asc_saturated,
    retrieval_saturated,
    slc_statistic,
    slc_statistic_from_features,
    style_label_coverage,
)
from divgenbench.metrics.bootstrap import draw_counts, resample_indices
from divgenbench.metrics.subsample import subsample_indices

STYLES = [f"style-{i}" for i in range(27)]


def test_counts_distinct_labels_against_an_equal_size_seeded_test_subsample():
    rng = np.random.default_rng(0)
    test = list(rng.choice(STYLES, 200))
    synth = ["style-1", "style-2", "style-2", "style-5"] * 10  # 40 images, 3 labels
    expected_denominator = np.unique(np.array(test)[subsample_indices(200, 40, 42)]).size
    assert style_label_coverage(synth, test) == pytest.approx(3 / expected_denominator)
    assert style_label_coverage(synth[::-1], test) == style_label_coverage(synth, test)


def test_as_varied_as_the_test_set_gives_one_and_a_larger_synth_set_is_subsampled():
    test = STYLES * 4  # 108 images
    assert style_label_coverage(test[::-1], test) == 1.0
    synth = STYLES * 10  # 270 images: subsampled to 108 with seed 42
    kept = subsample_indices(270, 108, 42)
    assert style_label_coverage(synth, test) == np.unique(np.array(synth)[kept]).size / 27


def test_resamples_equal_rescoring_the_drawn_prompts():
    rng = np.random.default_rng(1)
    prompt_of_image = np.array([0, 0, 1, 2, 2, 2, 3, 4, 5, 5, 6, 7])
    synth = list(rng.choice(STYLES[:8], prompt_of_image.size))
    test = list(rng.choice(STYLES, 60))
    statistic = slc_statistic(synth, test, prompt_of_image)
    indices = resample_indices(8, 40, 0)
    fast = statistic.score_counts(draw_counts(indices, 8))
    denominator = np.unique(np.array(test)[subsample_indices(60, 12, 42)]).size
    naive = [np.unique(np.array(synth)[np.isin(prompt_of_image, row)]).size / denominator for row in indices]
    np.testing.assert_allclose(fast, naive)
    assert statistic.value() == style_label_coverage(synth, test)


def test_from_features_labels_each_image_by_its_nearest_train_image():
    train = np.eye(5)  # train row i has style i % 3
    train_labels = ["a", "b", "c", "a", "b"]
    synth = np.eye(5)[[0, 3, 3, 1]] + 0.01  # neighbours 0, 3, 3, 1 → labels a, a, a, b
    test = np.eye(5)[[0, 1, 2, 4]] + 0.01  # neighbours 0, 1, 2, 4 → labels a, b, c, b
    statistic = slc_statistic_from_features(train, train_labels, test, synth, np.array([0, 1, 1, 2]))
    assert statistic.value() == pytest.approx(2 / 3)
    assert statistic.score_counts(np.array([[0.0, 3, 0]]))[0] == pytest.approx(1 / 3)  # prompt 1 only: "a"
    with pytest.raises(ValueError, match="one label per train row"):
        slc_statistic_from_features(train, train_labels[:4], test, synth)


def test_empty_labels_are_refused():
    with pytest.raises(ValueError, match="synth_labels is empty"):
        style_label_coverage([], STYLES)


def test_saturation_flags_k_equal_n():
    assert retrieval_saturated([4, 1, 7])
    assert not retrieval_saturated([4, 1, 4])
    train = np.eye(6)
    distinct = np.eye(6)[:3] + 0.01  # three queries, three different neighbours: k = n
    shared = np.array([[1, 0.1, 0, 0, 0, 0], [1, 0, 0.1, 0, 0, 0], [0, 0, 1, 0, 0, 0.0]])
    test = np.eye(6)[[0, 0, 1]]
    assert asc_saturated(RetrievalReference(train), test, distinct)
    assert not asc_saturated(train, test, shared)
