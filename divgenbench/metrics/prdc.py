"""Precision, recall, density and coverage of a candidate set against a reference set (Naeem et al., ICML 2020,
"Reliable Fidelity and Diversity Metrics for Generative Models"; SPEC §8), all higher is better.

Each point's k-NN radius is the Euclidean distance to its k-th nearest neighbour in its own set (the point itself
excluded; k = 5). Precision: share of candidates inside some reference ball; recall: share of references inside
some candidate ball; density: mean over candidates of (reference balls containing it) / k, which may exceed 1;
coverage: share of references whose ball contains at least one candidate. Comparisons are strict (<), as in the
authors' `prdc` package (the tests' oracle); distances come from squared norms in float64.

In a reference-relative run the reference is typically the base model's run, the candidate the tuned model's:
recall and coverage fall when the tuned model stops reaching parts of the base's output space. The sets are
compared at equal n (the larger subsampled, seed 42) because radii shrink as n grows.

Intervals: prompts are resampled jointly for both sets; a prompt drawn several times contributes its images once
(as for ASC, SPEC §8): a repeated point would sit at distance 0 from its copy and collapse the k-NN radii.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from divgenbench.metrics._validate import as_finite_2d, as_prompt_index, require_rows
from divgenbench.metrics.base import FeatureTable, MetricContext, Undefined
from divgenbench.metrics.bootstrap import PromptStatistic
from divgenbench.metrics.reference_relative import REFERENCE_RUN_CHOICES, ReferenceRelativeMetric

NEAREST_K = 5
PRDC_KEYS = ("precision", "recall", "density", "coverage")
_CHUNK_BYTES = 64 * 2**20
_HEAD = 64


def squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) squared Euclidean distances in float64, clipped at 0 against rounding."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    out = np.einsum("ij,ij->i", a, a)[:, None] + np.einsum("ij,ij->i", b, b)[None] - 2 * a @ b.T
    return np.clip(out, 0, None)


def _checked_sets(reference: ArrayLike, candidate: ArrayLike, k: int) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    sets = as_finite_2d("reference", reference), as_finite_2d("candidate", candidate)
    for name, values in zip(("reference", "candidate"), sets):
        require_rows(name, values, k + 1, f"rows (a k-NN radius with k = {k} needs k others)")
    if sets[0].shape[1] != sets[1].shape[1]:
        raise ValueError(f"reference has {sets[0].shape[1]} features per row but candidate has {sets[1].shape[1]}")
    return sets


def precision_recall_density_coverage(reference: ArrayLike, candidate: ArrayLike, k: int = NEAREST_K) -> dict:
    """{"precision", "recall", "density", "coverage"} of `candidate` against `reference` (rows are images)."""
    real, fake = _checked_sets(reference, candidate, k)
    real_radii = np.partition(squared_distances(real, real), k, axis=1)[:, k]
    fake_radii = np.partition(squared_distances(fake, fake), k, axis=1)[:, k]
    cross = squared_distances(real, fake)
    inside_real_ball = cross < real_radii[:, None]
    return {
        "precision": float(inside_real_ball.any(axis=0).mean()),
        "recall": float((cross < fake_radii[None]).any(axis=1).mean()),
        "density": float(inside_real_ball.sum(axis=0).mean() / k),
        "coverage": float((cross.min(axis=1) < real_radii).mean()),
    }


@dataclass(frozen=True)
class _SortedNeighbours:
    """Each row's distances to a set sorted once, so a resample finds its k-th drawn neighbour by counting.

    A resample draws about 63% of the prompts, so the k-th drawn neighbour is almost always among the first few
    dozen in sorted order: counting runs over the first `_HEAD` columns, and over the whole row only for the
    (row, resample) pairs where too few of those were drawn.
    """

    distances: np.ndarray
    order: np.ndarray

    @classmethod
    def of(cls, distances: np.ndarray) -> _SortedNeighbours:
        order = np.argsort(distances, axis=1, kind="stable")
        return cls(np.take_along_axis(distances, order, axis=1), order)

    def kth_drawn(self, drawn_columns: np.ndarray, k: int) -> np.ndarray:
        """(b, rows): distance to the k-th smallest drawn column (1-based); the caller ensures ≥ k are drawn."""
        head = min(max(_HEAD, k), self.order.shape[1])
        counted = np.cumsum(drawn_columns[:, self.order[:, :head]], axis=2, dtype=np.int32)
        position = (counted >= k).argmax(axis=2)
        beyond = np.argwhere(counted[:, :, -1] < k)  # (resample, row) pairs whose k-th lies past the head
        if beyond.size:
            whole = np.cumsum(drawn_columns[beyond[:, 0][:, None], self.order[beyond[:, 1]]], axis=1)
            position[beyond[:, 0], beyond[:, 1]] = (whole >= k).argmax(axis=1)
        return self.distances[np.arange(self.distances.shape[0])[None], position]


def prdc_statistics(
    reference: ArrayLike,
    candidate: ArrayLike,
    reference_prompt_index: ArrayLike,
    candidate_prompt_index: ArrayLike,
    k: int = NEAREST_K,
) -> dict[str, PromptStatistic]:
    """The four numbers over joint prompt resamples; both indices number the same prompts 0..P−1.

    Distances are computed and sorted once; a resample only masks the undrawn prompts' rows. A resample with
    fewer than k + 1 drawn rows in either set is undefined (NaN).
    """
    real, fake = _checked_sets(reference, candidate, k)
    real_index, real_prompts = as_prompt_index("reference_prompt_index", reference_prompt_index, real.shape[0])
    fake_index, fake_prompts = as_prompt_index("candidate_prompt_index", candidate_prompt_index, fake.shape[0])
    real_neighbours = _SortedNeighbours.of(squared_distances(real, real))
    fake_neighbours = _SortedNeighbours.of(squared_distances(fake, fake))
    cross = squared_distances(real, fake)
    cross_rows_sorted = _SortedNeighbours.of(cross)
    step = max(1, _CHUNK_BYTES // (16 * max(real.shape[0], fake.shape[0]) ** 2))
    last: dict[bytes, np.ndarray] = {}

    def scores(counts: np.ndarray) -> np.ndarray:
        """(B, 4) precision, recall, density, coverage; the four statistics share one computation per draw."""
        key = counts.tobytes() + repr(counts.shape).encode()
        if key not in last:
            last.clear()
            last[key] = _scores(counts)
        return last[key]

    def _scores(counts: np.ndarray) -> np.ndarray:
        out = np.full((counts.shape[0], 4), np.nan)
        for start in range(0, counts.shape[0], step):
            drawn = counts[start : start + step] > 0
            real_drawn, fake_drawn = drawn[:, real_index], drawn[:, fake_index]
            defined = (real_drawn.sum(axis=1) > k) & (fake_drawn.sum(axis=1) > k)
            real_drawn, fake_drawn = real_drawn[defined], fake_drawn[defined]
            real_radii = real_neighbours.kth_drawn(real_drawn, k + 1)  # the point itself is the first
            fake_radii = fake_neighbours.kth_drawn(fake_drawn, k + 1)
            inside_real_ball = (cross[None] < real_radii[:, :, None]) & real_drawn[:, :, None]
            n_real, n_fake = real_drawn.sum(axis=1), fake_drawn.sum(axis=1)
            precision = (inside_real_ball.any(axis=1) & fake_drawn).sum(axis=1) / n_fake
            density = (inside_real_ball.sum(axis=1) * fake_drawn).sum(axis=1) / (k * n_fake)
            recall_hit = ((cross[None] < fake_radii[:, None, :]) & fake_drawn[:, None, :]).any(axis=2)
            recall = (recall_hit & real_drawn).sum(axis=1) / n_real
            nearest_drawn = cross_rows_sorted.kth_drawn(fake_drawn, 1)
            coverage = ((nearest_drawn < real_radii) & real_drawn).sum(axis=1) / n_real
            out[start : start + step][defined] = np.column_stack([precision, recall, density, coverage])
        return out

    n_prompts = max(real_prompts, fake_prompts)
    return {
        key: PromptStatistic(n_prompts, lambda counts, column=column: scores(counts)[:, column])
        for column, key in enumerate(PRDC_KEYS)
    }


class _PrdcMetric(ReferenceRelativeMetric):
    """One of the four numbers on one dimension; the four share one computation (see `_shared_statistics`)."""

    number: ClassVar[str]
    direction = "higher"
    choices = {**REFERENCE_RUN_CHOICES, "k": NEAREST_K, "distance": "Euclidean on the features as cached "
               "(L2-normalised embeddings)", "interval": "a prompt drawn several times counts once"}

    def statistic(self, table: FeatureTable, context: MetricContext) -> PromptStatistic:
        reference, candidate, paired = self.paired_features(table, context)
        if min(len(reference), len(candidate)) <= NEAREST_K:
            raise Undefined(f"{self.name} needs more than k = {NEAREST_K} images with features on prompts both "
                            f"runs answer, found {len(candidate)}")
        return _shared_statistics(reference, candidate, paired.reference_prompt_index,
                                  paired.candidate_prompt_index)[self.number]


_LAST_SHARED: dict[bytes, dict[str, PromptStatistic]] = {}


def _shared_statistics(reference, candidate, reference_index, candidate_index) -> dict[str, PromptStatistic]:
    """`prdc_statistics` for these exact inputs, reused by the four metrics of a dimension: their distances,
    sorts and bootstrap draws (same seed) are then computed once instead of four times."""
    key = hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() + repr(a.shape).encode()
                                  for a in (reference, candidate, reference_index, candidate_index))).digest()
    if key not in _LAST_SHARED:
        _LAST_SHARED.clear()
        _LAST_SHARED[key] = prdc_statistics(reference, candidate, reference_index, candidate_index)
    return _LAST_SHARED[key]


def _prdc_metric(number: str, full_name: str, description: str) -> type[_PrdcMetric]:
    return type(f"Prdc{number.title()}", (_PrdcMetric,), {
        "key": f"prdc-{number}", "name": number.title(), "number": number, "full_name": full_name,
        "description": description, "range": (0.0, math.inf) if number == "density" else (0.0, 1.0),
        "__module__": __name__,
    })


Precision = _prdc_metric("precision", "Precision against the reference run (k = 5)",
                         "Share of the run's images inside some reference image's k-NN ball: fidelity.")
Recall = _prdc_metric("recall", "Recall of the reference run (k = 5)",
                      "Share of the reference run's images inside some k-NN ball of the run's: diversity.")
Density = _prdc_metric("density", "Density against the reference run (k = 5)",
                       "Mean number of reference k-NN balls around the run's images ÷ k; may exceed 1.")
Coverage = _prdc_metric("coverage", "Coverage of the reference run (k = 5)",
                        "Share of reference images whose k-NN ball holds one of the run's images: diversity.")
PrecisionId, PrecisionStyle, PrecisionTonal = (Precision.for_dimension(d) for d in ("id", "style", "tonal"))
RecallId, RecallStyle, RecallTonal = (Recall.for_dimension(d) for d in ("id", "style", "tonal"))
DensityId, DensityStyle, DensityTonal = (Density.for_dimension(d) for d in ("id", "style", "tonal"))
CoverageId, CoverageStyle, CoverageTonal = (Coverage.for_dimension(d) for d in ("id", "style", "tonal"))
