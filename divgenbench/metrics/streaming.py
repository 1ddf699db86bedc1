"""Accumulating versions of the scores for training loops (torchmetrics-style, without torch).

Each class keeps plain float64 sufficient statistics, calls the same arithmetic as the functions in
`compute`, and merges shards by adding (or, for StyleCoverage, concatenating) states, so a score over
shards equals the score over one run. Summation order differs from the functions, so values agree to
float64 rounding (about 1e-12), not bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Self

import numpy as np
from numpy.typing import ArrayLike

from divgenbench.metrics._validate import require_rows, unit_rows
from divgenbench.metrics.ids import ids_from_sums
from divgenbench.metrics.irs import SUBSAMPLE_SEED, RetrievalReference, as_reference, subsample_indices
from divgenbench.metrics.pvs import photometric_stats, pvs_from_moments
from divgenbench.metrics.sdi import PromptLayouts, per_prompt_layout_dissimilarity

State = dict[str, np.ndarray]


class _AdditiveMetric:
    """State: named float64 arrays that add across shards; an empty array means "nothing seen yet"."""

    _state_names: tuple[str, ...] = ()

    def __init__(self) -> None:
        self._state: State = {name: np.zeros(0) for name in self._state_names}

    def _add(self, name: str, value: ArrayLike) -> None:
        value = np.asarray(value, dtype=np.float64)
        current = self._state[name]
        if current.size and current.shape != value.shape:
            raise ValueError(f"{type(self).__name__}: {name} has shape {value.shape}, expected {current.shape}")
        self._state[name] = current + value if current.size else value.copy()

    def merge(self, other: Self) -> Self:
        """Add another shard's state into this one (in place) and return self."""
        if type(other) is not type(self):
            raise ValueError(f"can only merge {type(self).__name__} with its own kind, got {type(other).__name__}")
        for name, value in other._state.items():
            if value.size:
                self._add(name, value)
        return self

    def state_dict(self) -> State:
        return {name: value.copy() for name, value in self._state.items()}

    @classmethod
    def from_state_dict(cls, state: Mapping[str, ArrayLike]) -> Self:
        if set(state) != set(cls._state_names):
            raise ValueError(f"state must have keys {sorted(cls._state_names)}, got {sorted(state)}")
        metric = cls()
        metric._state = {name: np.array(state[name], dtype=np.float64) for name in cls._state_names}
        return metric

    def _require_updates(self) -> None:
        if not self._state["count"].size:
            raise ValueError(f"{type(self).__name__}.compute() called before any update()")


class IdentityDivergence(_AdditiveMetric):
    """IDS from the running Σ of unit face embeddings and the face count."""

    _state_names = ("sum", "count")

    def update(self, embeddings: ArrayLike) -> None:
        unit = unit_rows("embeddings", embeddings)
        self._add("sum", unit.sum(axis=0))
        self._add("count", unit.shape[0])

    def compute(self) -> float:
        self._require_updates()
        total, count = self._state["sum"], float(self._state["count"])
        if count < 2:
            raise ValueError(f"IDS needs at least 2 faces, got {count:.0f}")
        return float(ids_from_sums(total @ total, count))


class PhotographicVariance(_AdditiveMetric):
    """PVS from the image count and per-channel Σx, Σx² of the (s, v, c) triples."""

    _state_names = ("count", "sum", "sum_of_squares")

    def update(self, images: np.ndarray | Sequence[np.ndarray]) -> None:
        stats = photometric_stats(images)
        self._add("count", stats.shape[0])
        self._add("sum", stats.sum(axis=0))
        self._add("sum_of_squares", (stats**2).sum(axis=0))

    def compute(self) -> float:
        self._require_updates()
        return float(pvs_from_moments(self._state["count"], self._state["sum"], self._state["sum_of_squares"]))


class SpatialDispersion(_AdditiveMetric):
    """SDI from the sum and number of per-prompt layout dissimilarities; update with one prompt's layouts."""

    _state_names = ("sum", "count")

    def update(self, prompt_layouts: PromptLayouts) -> None:
        self._add("sum", per_prompt_layout_dissimilarity([prompt_layouts])[0])
        self._add("count", 1)

    def compute(self) -> float:
        self._require_updates()
        return float(self._state["sum"] / self._state["count"])


class StyleCoverage:
    """ASC against a fixed reference (train features, test set): keeps each query's nearest training index.

    The indices are kept in update order, not as a set, because when more than |test| queries arrive the
    function subsamples them by position (seed 42); merging shards in rank order reproduces one run.
    """

    def __init__(
        self, train: ArrayLike | RetrievalReference, test: ArrayLike, seed: int = SUBSAMPLE_SEED
    ) -> None:
        self.reference = as_reference(train)
        test_nearest = self.reference.nearest(test, "test")
        self.seed = seed
        self._test_size = test_nearest.size
        self._test_support = self.reference.irs_support(test_nearest)
        self._nearest: list[np.ndarray] = []

    def update(self, query: ArrayLike) -> None:
        self._nearest.append(self.reference.nearest(query))

    def _all_nearest(self) -> np.ndarray:
        return np.concatenate(self._nearest) if self._nearest else np.zeros(0, dtype=np.int64)

    def compute(self) -> float:
        nearest = self._all_nearest()
        require_rows("queries seen by update()", nearest[:, None], 1, "images")
        kept = nearest[subsample_indices(nearest.size, self._test_size, self.seed)]
        return self.reference.irs_support(kept) / self._test_support

    def merge(self, other: StyleCoverage) -> StyleCoverage:
        """Append another shard's queries (in place) and return self; both must share the reference."""
        same_reference = (other.reference.size, other._test_size, other._test_support, other.seed) == (
            self.reference.size,
            self._test_size,
            self._test_support,
            self.seed,
        )
        if not same_reference:
            raise ValueError("can only merge StyleCoverage metrics built on the same train and test features")
        self._nearest.append(other._all_nearest())
        return self

    def state_dict(self) -> State:
        return {
            "nearest": self._all_nearest().astype(np.float64),
            "test_size": np.float64(self._test_size),
            "test_support": np.float64(self._test_support),
            "seed": np.float64(self.seed),
        }

    @classmethod
    def from_state_dict(cls, state: Mapping[str, ArrayLike], train: ArrayLike | RetrievalReference) -> StyleCoverage:
        """Rebuild from a state and the training features (which are a reference, not state)."""
        metric = cls.__new__(cls)
        metric.reference = as_reference(train)
        metric.seed = int(state["seed"])
        metric._test_size = int(state["test_size"])
        metric._test_support = int(state["test_support"])
        metric._nearest = [np.asarray(state["nearest"]).astype(np.int64)]
        return metric
