import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from divgenbench.metrics import (
    IdentityDivergence,
    PhotographicVariance,
    SpatialDispersion,
    StyleCoverage,
    artistic_style_coverage,
    identity_divergence_score,
    photographic_variance_score,
    photometric_stats,
    spatial_dispersion_index,
)

RNG = np.random.default_rng(0)
FACES = RNG.standard_normal((40, 16))
IMAGES = RNG.integers(0, 256, size=(12, 5, 4, 3), dtype=np.uint8)


def random_boxes(count: int) -> np.ndarray:
    x, y = np.sort(RNG.uniform(size=(count, 2)), axis=1), np.sort(RNG.uniform(size=(count, 2)), axis=1)
    return np.column_stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]])


BOX_SETS = [random_boxes(count) for count in (0, 1, 2, 3)]
LAYOUTS = [[BOX_SETS[(p + i) % 4] for i in range(3)] for p in range(10)]
TRAIN, TEST, SYNTH = RNG.standard_normal((80, 6)), RNG.standard_normal((10, 6)), RNG.standard_normal((25, 6))


def split_points(draw, size):
    return sorted(draw(st.lists(st.integers(0, size), max_size=4)))


def chunks(items, points):
    return [items[a:b] for a, b in zip([0, *points], [*points, len(items)]) if b > a]


def shards(make, update, pieces):
    """One metric per shard, merged in rank order."""
    metrics = []
    for piece in pieces:
        metric = make()
        update(metric, piece)
        metrics.append(metric)
    merged = metrics[0]
    for metric in metrics[1:]:
        merged.merge(metric)
    return merged


def streamed(make, pieces, update=lambda metric, piece: metric.update(piece)):
    metric = make()
    for piece in pieces:
        update(metric, piece)
    return metric


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_identity_divergence_chunked_and_sharded_equal_the_function(data):
    pieces = chunks(FACES, split_points(data.draw, len(FACES)))
    expected = identity_divergence_score(FACES)
    assert streamed(IdentityDivergence, pieces).compute() == pytest.approx(expected, abs=1e-12)
    assert shards(IdentityDivergence, IdentityDivergence.update, pieces).compute() == pytest.approx(expected, abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_photographic_variance_chunked_and_sharded_equal_the_function(data):
    pieces = chunks(IMAGES, split_points(data.draw, len(IMAGES)))
    expected = photographic_variance_score(photometric_stats(IMAGES))
    assert streamed(PhotographicVariance, pieces).compute() == pytest.approx(expected, abs=1e-12)
    merged = shards(PhotographicVariance, PhotographicVariance.update, pieces)
    assert merged.compute() == pytest.approx(expected, abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_spatial_dispersion_sharded_equals_the_function(data):
    pieces = chunks(LAYOUTS, split_points(data.draw, len(LAYOUTS)))
    feed = lambda metric, prompts: [metric.update(prompt) for prompt in prompts]  # noqa: E731
    expected = spatial_dispersion_index(LAYOUTS)
    assert streamed(SpatialDispersion, pieces, feed).compute() == pytest.approx(expected, abs=1e-12)
    assert shards(SpatialDispersion, feed, pieces).compute() == pytest.approx(expected, abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_style_coverage_sharded_equals_the_function_including_subsampling(data):
    pieces = chunks(SYNTH, split_points(data.draw, len(SYNTH)))
    expected = artistic_style_coverage(TRAIN, TEST, SYNTH)  # 25 > |test| = 10: subsampled
    make = lambda: StyleCoverage(TRAIN, TEST)  # noqa: E731
    assert streamed(make, pieces).compute() == expected
    assert shards(make, StyleCoverage.update, pieces).compute() == expected


def test_state_dicts_are_float64_and_round_trip():
    additive = [
        (IdentityDivergence, FACES),
        (PhotographicVariance, IMAGES),
    ]
    for kind, batch in additive:
        metric = streamed(kind, [batch])
        state = metric.state_dict()
        assert all(value.dtype == np.float64 for value in state.values())
        assert kind.from_state_dict(state).compute() == metric.compute()
    coverage = streamed(lambda: StyleCoverage(TRAIN, TEST), [SYNTH])
    state = coverage.state_dict()
    assert all(np.asarray(value).dtype == np.float64 for value in state.values())
    assert StyleCoverage.from_state_dict(state, TRAIN).compute() == coverage.compute()


def test_merging_into_an_empty_metric_and_mismatched_kinds():
    assert IdentityDivergence().merge(streamed(IdentityDivergence, [FACES])).compute() == pytest.approx(
        identity_divergence_score(FACES)
    )
    with pytest.raises(ValueError, match="merge"):
        IdentityDivergence().merge(SpatialDispersion())
    with pytest.raises(ValueError, match="before any update"):
        PhotographicVariance().compute()
    with pytest.raises(ValueError, match="same train and test"):
        StyleCoverage(TRAIN, TEST).merge(StyleCoverage(TRAIN, TEST[:5]))
