import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from divgenbench.metrics import (
    count_accuracy,
    layout_similarity,
    per_prompt_layout_dissimilarity,
    spatial_dispersion_index,
)
from divgenbench.metrics.sdi import iou_matrix

TOP_LEFT = [0.0, 0.0, 0.5, 0.5]
BOTTOM_RIGHT = [0.5, 0.5, 1.0, 1.0]


@st.composite
def layouts_of(draw, max_boxes=4):
    """A layout of boxes with positive area inside the unit square."""
    boxes = []
    for _ in range(draw(st.integers(0, max_boxes))):
        x1, y1 = draw(st.floats(0, 0.8)), draw(st.floats(0, 0.8))
        boxes.append([x1, y1, x1 + draw(st.floats(0.05, 1 - x1)), y1 + draw(st.floats(0.05, 1 - y1))])
    return np.minimum(np.array(boxes).reshape(-1, 4), 1.0)


def brute_force_similarity(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) == 0 and len(b) == 0:
        return 1.0
    if len(a) == 0 or len(b) == 0:
        return 0.0
    ious = iou_matrix(a, b) if len(a) <= len(b) else iou_matrix(b, a)
    small, large = ious.shape
    best = max(sum(ious[i, cols[i]] for i in range(small)) for cols in itertools.permutations(range(large), small))
    return best / large


def test_similarity_hand_computed():
    # IoU(TL, TL) = 1; BR vs [.5,.5,1,.75]: intersection 0.125 / union 0.25 = 0.5; cross pairs 0 -> (1 + .5)/2
    assert layout_similarity([TOP_LEFT, BOTTOM_RIGHT], [TOP_LEFT, [0.5, 0.5, 1.0, 0.75]]) == pytest.approx(0.75)
    # one of two boxes matched exactly: 1 / max(2, 1)
    assert layout_similarity([TOP_LEFT, BOTTOM_RIGHT], [TOP_LEFT]) == pytest.approx(0.5)


def test_similarity_empty_rules():
    assert layout_similarity([], np.zeros((0, 4))) == 1.0
    assert layout_similarity([], [TOP_LEFT]) == 0.0
    assert layout_similarity([TOP_LEFT], []) == 0.0


@settings(max_examples=60, deadline=None)
@given(layouts_of(), layouts_of(), st.randoms())
def test_similarity_is_the_best_matching_and_order_free(a, b, random):
    similarity = layout_similarity(a, b)
    assert similarity == pytest.approx(brute_force_similarity(a, b), abs=1e-12)
    assert layout_similarity(b, a) == pytest.approx(similarity, abs=1e-12)
    order = list(range(len(a)))
    random.shuffle(order)
    assert layout_similarity(a[order], b) == pytest.approx(similarity, abs=1e-12)


def test_sdi_hand_computed():
    # prompt 0: pairs (X, X) = 1, (X, ∅) = 0, (X, ∅) = 0 -> 1 − 1/3 = 2/3; prompt 1: (∅, ∅) = 1 -> 0
    layouts = [[[TOP_LEFT], [TOP_LEFT], []], [[], []]]
    assert per_prompt_layout_dissimilarity(layouts) == pytest.approx([2 / 3, 0.0])
    assert spatial_dispersion_index(layouts) == pytest.approx(1 / 3)


@settings(max_examples=30, deadline=None)
@given(st.lists(layouts_of(), min_size=1, max_size=3), st.integers(2, 4))
def test_sdi_identical_layouts_is_zero(prompt_layouts, images):
    layouts = [[layout] * images for layout in prompt_layouts]
    assert spatial_dispersion_index(layouts) == pytest.approx(0.0, abs=1e-12)


def test_sdi_disjoint_layouts_is_one():
    layouts = [[[TOP_LEFT], [BOTTOM_RIGHT], [[0.0, 0.6, 0.3, 1.0]]], [[BOTTOM_RIGHT], [TOP_LEFT]]]
    assert spatial_dispersion_index(layouts) == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(st.lists(layouts_of(3), min_size=2, max_size=4), st.randoms())
def test_sdi_ignores_the_order_of_images(images, random):
    shuffled = list(images)
    random.shuffle(shuffled)
    assert spatial_dispersion_index([shuffled]) == pytest.approx(spatial_dispersion_index([images]), abs=1e-12)


def test_count_accuracy_hand_computed():
    # 3 of 4 detected counts equal the requested ones
    assert count_accuracy([2, 3, 4, 5], [2, 3, 3, 5]) == pytest.approx(0.75)
