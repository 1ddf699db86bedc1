import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from divgenbench.metrics import identity_divergence_score, identity_divergence_within_groups

FINITE = st.floats(-10, 10, allow_nan=False, width=64)


def pairwise_ids(embeddings: np.ndarray) -> float:
    """The straightforward definition: mean cosine over the N(N−1)/2 pairs of the N×N matrix."""
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    return float((unit @ unit.T)[np.triu_indices(len(unit), 1)].mean())


def test_ids_hand_computed():
    # unit rows e1, e2, (1,1)/√2; cosines: e1·e2 = 0, e1·u = e2·u = 1/√2 -> mean = (0 + 2/√2)/3 = √2/3
    assert identity_divergence_score([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]) == pytest.approx(math.sqrt(2) / 3)
    # rows are normalised first, so scaling them changes nothing
    assert identity_divergence_score([[2.0, 0.0], [0.0, 3.0], [5.0, 5.0]]) == pytest.approx(math.sqrt(2) / 3)


def test_ids_two_opposite_faces_is_minus_one():
    # one pair, cos(e1, −e1) = −1
    assert identity_divergence_score([[1.0, 0.0], [-1.0, 0.0]]) == pytest.approx(-1.0)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 12), st.integers(1, 6)), elements=FINITE), st.randoms())
def test_ids_matches_pairwise_and_ignores_order(embeddings, random):
    assume((np.linalg.norm(embeddings, axis=1) > 1e-3).all())  # a zero-norm row is an error, tested elsewhere
    score = identity_divergence_score(embeddings)
    assert -1 - 1e-12 <= score <= 1 + 1e-12
    assert score == pytest.approx(pairwise_ids(embeddings), abs=1e-9)
    order = list(range(len(embeddings)))
    random.shuffle(order)
    assert identity_divergence_score(embeddings[order]) == pytest.approx(score, abs=1e-12)


def test_ids_near_identical_embeddings_is_close_to_one():
    rng = np.random.default_rng(0)
    base = rng.standard_normal(512)
    faces = base + 1e-4 * rng.standard_normal((50, 512))
    assert identity_divergence_score(faces) == pytest.approx(1.0, abs=1e-6)


def test_within_groups_hand_computed():
    # a: two equal faces -> 1; b: opposite faces -> −1; c: one face, skipped -> mean of (1, −1) = 0
    result = identity_divergence_within_groups(
        [[1, 0], [1, 0], [1, 0], [-1, 0], [0, 1]], ["a", "a", "b", "b", "c"]
    )
    assert result.value == pytest.approx(0.0)
    assert result.per_group == pytest.approx({"a": 1.0, "b": -1.0})
    assert result.skipped_groups == 1


def test_within_groups_accepts_tuple_labels():
    cells = [("young", "White", "man"), ("young", "White", "man"), ("elderly", "Black", "woman")]
    result = identity_divergence_within_groups([[1, 0], [0, 1], [1, 1]], cells)
    assert result.per_group == pytest.approx({cells[0]: 0.0}) and result.skipped_groups == 1
