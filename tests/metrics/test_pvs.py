import colorsys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from divgenbench.metrics import photographic_variance_score, photometric_stats
from divgenbench.extractors.photometric import PHOTOMETRIC_TOLERANCE


def reference_stats(image: np.ndarray) -> tuple[float, float, float]:
    """Per-pixel float64 reference: colorsys HSV and the grayscale formula, pixel by pixel."""
    pixels = image.reshape(-1, 3) / 255.0
    hsv = np.array([colorsys.rgb_to_hsv(*pixel) for pixel in pixels])
    gray = np.array([0.299 * r + 0.587 * g + 0.114 * b for r, g, b in pixels])
    return hsv[:, 1].mean(), hsv[:, 2].mean(), gray.std()


def test_stats_hand_computed():
    # red pixel: s = 1, v = 1, gray = .299; black pixel: s = 0 (max = 0), v = 0, gray = 0
    # -> s = .5, v = .5, c = population std of (.299, 0) = .1495
    image = np.array([[[255, 0, 0], [0, 0, 0]]], dtype=np.uint8)
    assert photometric_stats(image[None]) == pytest.approx(np.array([[0.5, 0.5, 0.1495]]), abs=1e-12)


def test_pvs_hand_computed():
    # triples (.5, .5, .1495) and (0, 1, 0): each std of two values is half their gap
    # -> .25 + .25 + .07475 = .57475
    assert photographic_variance_score([[0.5, 0.5, 0.1495], [0.0, 1.0, 0.0]]) == pytest.approx(0.57475)


@settings(max_examples=25, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 3), st.integers(1, 6), st.integers(1, 6), st.just(3))))
def test_stats_match_per_pixel_reference(images):
    expected = np.array([reference_stats(image) for image in images])
    np.testing.assert_allclose(photometric_stats(images), expected, rtol=0, atol=PHOTOMETRIC_TOLERANCE)


def test_chunks_spanning_and_splitting_images_match_reference(monkeypatch):
    # 2^6-pixel chunks: a 9×11 image is split over chunks and small images share one
    monkeypatch.setattr("divgenbench.extractors.photometric._PIXELS_PER_CHUNK", 64)
    rng = np.random.default_rng(3)
    for shape in [(5, 9, 11, 3), (7, 3, 4, 3)]:
        images = rng.integers(0, 256, size=shape, dtype=np.uint8)
        expected = np.array([reference_stats(image) for image in images])
        np.testing.assert_allclose(photometric_stats(images), expected, rtol=0, atol=PHOTOMETRIC_TOLERANCE)


def test_list_of_different_sizes_equals_one_by_one():
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8) for h, w in [(4, 5), (9, 2), (1, 1)]]
    one_by_one = np.concatenate([photometric_stats(image[None]) for image in images])
    np.testing.assert_array_equal(photometric_stats(images), one_by_one)


@settings(max_examples=25, deadline=None)
@given(arrays(np.uint8, (4, 4, 3)), st.integers(1, 5))
def test_pvs_of_identical_images_is_zero(image, copies):
    stats = photometric_stats(np.repeat(image[None], copies, axis=0))
    assert photographic_variance_score(stats) == pytest.approx(0.0, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 20), st.just(3)), elements=st.floats(0, 1)), st.randoms())
def test_pvs_matches_numpy_std_and_ignores_order(stats, random):
    expected = stats.std(axis=0).sum()
    assert photographic_variance_score(stats) == pytest.approx(expected, abs=1e-12)
    order = list(range(len(stats)))
    random.shuffle(order)
    assert photographic_variance_score(stats[order]) == pytest.approx(expected, abs=1e-12)
