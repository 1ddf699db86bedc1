"""Percentile bootstrap over prompts (SPEC §4 "Intervals"), vectorised through count matrices.

A resample draws P prompt indices with replacement (`resample_indices`). Rather than gathering the images of
the drawn prompts and rescoring them one resample at a time, every metric summarises each prompt once
(sums of unit vectors, photometric moments, per-prompt values, nearest-neighbour hits) and scores all resamples
at once from the (B, P) matrix of how often each prompt was drawn. The result equals the per-resample
recomputation (tests check this against a naive loop on the same indices).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse

RESAMPLES = 1000
SEED = 0
CONFIDENCE = 0.95


@dataclass(frozen=True)
class PromptStatistic:
    """A score as a function of prompt draw counts: (B, P) counts -> (B,) scores; all-ones gives the score."""

    n_prompts: int
    score_counts: Callable[[np.ndarray], np.ndarray]

    def value(self) -> float:
        return float(self.score_counts(np.ones((1, self.n_prompts)))[0])


@dataclass(frozen=True)
class BootstrapResult:
    value: float
    low: float
    high: float
    n: int
    resamples: int
    seed: int
    confidence: float


def resample_indices(n_prompts: int, resamples: int, seed: int) -> np.ndarray:
    """(B, P) prompt indices drawn with replacement by `numpy.random.default_rng(seed).integers`."""
    if n_prompts < 1 or resamples < 1:
        raise ValueError(f"bootstrap needs n_prompts >= 1 and resamples >= 1, got {n_prompts} and {resamples}")
    return np.random.default_rng(seed).integers(0, n_prompts, size=(resamples, n_prompts))


def draw_counts(indices: np.ndarray, n_prompts: int) -> np.ndarray:
    """How often each prompt appears in each resample: (B, P) float64, rows summing to P."""
    resamples = indices.shape[0]
    flat = (indices + n_prompts * np.arange(resamples)[:, None]).ravel()
    return np.bincount(flat, minlength=resamples * n_prompts).reshape(resamples, n_prompts).astype(np.float64)


def percentile_interval(scores: np.ndarray, confidence: float) -> tuple[float, float]:
    """Linear-interpolation percentiles at (1 - c)/2 and (1 + c)/2; undefined resamples are an error."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if not np.isfinite(scores).all():
        raise ValueError("some bootstrap resamples have an undefined score (too few items drawn)")
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(scores, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_interval(
    statistic: PromptStatistic, *, resamples: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE
) -> BootstrapResult:
    """Point value and percentile interval of `statistic` over prompt resamples."""
    counts = draw_counts(resample_indices(statistic.n_prompts, resamples, seed), statistic.n_prompts)
    low, high = percentile_interval(statistic.score_counts(counts), confidence)
    return BootstrapResult(statistic.value(), low, high, statistic.n_prompts, resamples, seed, confidence)


def prompt_sums(values: np.ndarray, prompt_index: np.ndarray, n_prompts: int) -> np.ndarray:
    """(P, d) float64 sums of the rows of `values` belonging to each prompt, in O(N·d)."""
    membership = scipy.sparse.csr_matrix(
        (np.ones(prompt_index.shape[0]), (prompt_index, np.arange(prompt_index.shape[0]))),
        shape=(n_prompts, prompt_index.shape[0]),
    )
    return np.asarray(membership @ values.astype(np.float64, copy=False))


def mean_statistic(values: np.ndarray, prompt_index: np.ndarray) -> PromptStatistic:
    """The mean of per-image ``values`` with prompts as the resampling unit (quality scores, SPEC §4).

    A prompt drawn twice counts its images twice; the mean is over images, not over prompt means.
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1, 1)
    n_prompts = int(prompt_index.max()) + 1 if prompt_index.size else 0
    if n_prompts == 0:
        raise ValueError("a mean needs at least one value")
    sums = prompt_sums(values, prompt_index, n_prompts)[:, 0]
    sizes = np.bincount(prompt_index, minlength=n_prompts).astype(np.float64)
    return PromptStatistic(n_prompts, lambda counts: (counts @ sums) / (counts @ sizes))
