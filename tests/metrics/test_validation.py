"""Every bad input gets a ValueError that names the argument and the problem."""

import numpy as np
import pytest

from divgenbench.metrics import (
    artistic_style_coverage,
    count_accuracy,
    identity_divergence_score,
    identity_divergence_within_groups,
    ids_statistic,
    image_retrieval_score,
    layout_similarity,
    photographic_variance_score,
    photometric_stats,
    spatial_dispersion_index,
)

BOX = [0.1, 0.1, 0.5, 0.5]
TRAIN = np.eye(4)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: identity_divergence_score([[1.0, 0.0]]), "embeddings needs at least 2 faces"),
        (lambda: identity_divergence_score([1.0, 0.0]), "embeddings must be 2-D"),
        (lambda: identity_divergence_score([[1.0, np.nan], [0.0, 1.0]]), "embeddings contains NaN"),
        (lambda: identity_divergence_score([[1.0, np.inf], [0.0, 1.0]]), "embeddings contains NaN or infinite"),
        (lambda: identity_divergence_score([[0.0, 0.0], [0.0, 1.0]]), "embeddings has zero-norm rows"),
        (lambda: identity_divergence_within_groups([[1, 0], [0, 1]], ["a"]), "embeddings and groups"),
        (lambda: identity_divergence_within_groups([[1, 0], [0, 1]], ["a", "b"]), "no group has at least 2"),
        (lambda: ids_statistic([[1, 0], [0, 1]], [0, 1, 1]), "prompt_index and the scored items"),
        (lambda: ids_statistic([[1, 0], [0, 1]], [0.0, 1.0]), "prompt_index must be a 1-D integer"),
        (lambda: image_retrieval_score(TRAIN, np.zeros((0, 4))), "query needs at least 1 images"),
        (lambda: image_retrieval_score(TRAIN, np.ones((2, 3))), "query has 3 features per row but train has 4"),
        (lambda: image_retrieval_score(np.zeros((0, 4)), np.ones((2, 4))), "train needs at least 1"),
        (lambda: artistic_style_coverage(TRAIN, np.ones((2, 3)), np.ones((2, 4))), "test has 3 features"),
        (lambda: artistic_style_coverage(TRAIN, np.ones((2, 4)), [[np.nan] * 4]), "synth contains NaN"),
        (lambda: layout_similarity([[0.1, 0.1, 1.2, 0.5]], [BOX]), r"boxes_a has coordinates outside \[0, 1\]"),
        (lambda: layout_similarity([BOX], [[0.5, 0.1, 0.2, 0.5]]), "boxes_b has a box with x2 < x1"),
        (lambda: layout_similarity([BOX], [[0.1, 0.5, 0.2, 0.4]]), "boxes_b has a box with x2 < x1 or y2 < y1"),
        (lambda: layout_similarity([[0.1, 0.1, 0.5]], [BOX]), "boxes_a must have 4 columns"),
        (lambda: spatial_dispersion_index([[[BOX]]]), r"layouts\[0\] has 1 images"),
        (lambda: spatial_dispersion_index([[[BOX], [[0.1, 0.1, 0.5, np.nan]]]]), r"layouts\[0\]\[1\] contains NaN"),
        (lambda: spatial_dispersion_index([]), "layouts is empty"),
        (lambda: count_accuracy([1, 2], [1]), "detected_counts and requested_counts"),
        (lambda: count_accuracy([1.5], [1]), "detected_counts must be a 1-D array of non-negative integers"),
        (lambda: count_accuracy([], []), "detected_counts is empty"),
        (lambda: photometric_stats(np.zeros((2, 4, 4, 3), dtype=np.float32)), "images must be uint8"),
        (lambda: photometric_stats(np.zeros((2, 4, 4), dtype=np.uint8)), r"images must be \(N, H, W, 3\)"),
        (lambda: photometric_stats([np.zeros((4, 4, 4), dtype=np.uint8)]), r"images\[0\] must be"),
        (lambda: photometric_stats([]), "images is empty"),
        (lambda: photographic_variance_score(np.ones((3, 2))), "stats must have 3 columns"),
        (lambda: photographic_variance_score([[0.1, 0.2, np.inf]]), "stats contains NaN"),
    ],
)
def test_bad_input_raises_a_named_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
