"""Vendi score (Friedman & Dieng 2023; SPEC §8): the effective number of distinct images in a set, higher is
more diverse, from 1 (all alike) to n (all orthogonal).

Vendi_q = exp(H_q(λ)), λ the eigenvalues of K/n, K_ij = cos(x_i, x_j) the cosine kernel of the L2-normalised
features; H_q is the Rényi entropy of order q: log Σ λ^q / (1 − q), Shannon −Σ λ log λ at q = 1 (default),
−log max λ at q = ∞ (the most conservative count; small q weighs rare directions more). Eigenvalues of K/n
below 1e-12 × their count are treated as 0 so that q = 0 counts the kernel's rank rather than rounding noise.

Dual form. With unit rows U, K/n = U Uᵀ/n shares its nonzero eigenvalues with Uᵀ U/n (d×d), which is what is
decomposed when d < n (e.g. 800 ArcFace rows of width 512); otherwise the n×n kernel is.

Vendi grows with n, so two sets are compared only at equal n: the larger is subsampled to the smaller's size
(seed 42, `divgenbench.metrics.subsample`) before scoring. In a prompt resample a prompt drawn twice enters the
kernel twice, exactly as rescoring the gathered images (two identical rows) would.

The `vendi-score` package (PyPI) is the tests' oracle; note that its `score_X` ignores its `q` argument (it
always computes q = 1), its `score_dual` does not.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from divgenbench.metrics._validate import as_prompt_index, require_rows, unit_rows
from divgenbench.metrics.base import FeatureTable, MetricContext
from divgenbench.metrics.bootstrap import PromptStatistic
from divgenbench.metrics.reference_relative import ReferenceRelativeMetric
from divgenbench.metrics.spectrum import weighted_spectrum

_ZERO_EIGENVALUE = 1e-12


def checked_order(q: float) -> float:
    """The entropy order as a float (∞ allowed); negative or NaN orders have no meaning."""
    order = float(q)
    if not order >= 0:
        raise ValueError(f"q must be a number >= 0 or inf, got {q!r}")
    return order


def hill_number(probabilities: np.ndarray, q: float) -> np.ndarray:
    """exp(Rényi entropy of order q) along the last axis of non-negative rows summing to 1.

    Entries below 1e-12 × their count are rounding noise of zero eigenvalues and count as 0 (q = 0 counts rank).
    """
    positive = probabilities > _ZERO_EIGENVALUE * probabilities.shape[-1]
    p = np.where(positive, probabilities, 1.0)  # 1 where not positive: log and powers stay finite, then masked
    if q == np.inf:
        return 1.0 / np.where(positive, p, 0.0).max(axis=-1)
    if q == 1:
        return np.exp(-np.where(positive, p * np.log(p), 0.0).sum(axis=-1))
    return np.where(positive, p**q, 0.0).sum(axis=-1) ** (1.0 / (1.0 - q))


def vendi_score(features: ArrayLike, q: float = 1.0) -> float:
    """Vendi score of (n, d) features with the cosine kernel; rows are L2-normalised here."""
    order = checked_order(q)
    unit = unit_rows("features", features)
    require_rows("features", unit, 1, "rows")
    spectrum = weighted_spectrum(unit, np.ones((1, unit.shape[0])), centred=False)
    return float(hill_number(spectrum / spectrum.sum(axis=-1, keepdims=True), order)[0])


def vendi_statistic(features: ArrayLike, prompt_index: ArrayLike | None = None, q: float = 1.0) -> PromptStatistic:
    """Vendi over prompt resamples: each resample's spectrum from the draw counts as row weights."""
    order = checked_order(q)
    unit = unit_rows("features", features)
    require_rows("features", unit, 1, "rows")
    index, n_prompts = as_prompt_index("prompt_index", prompt_index, unit.shape[0])

    def score_counts(counts: np.ndarray) -> np.ndarray:
        spectrum = weighted_spectrum(unit, counts[:, index], centred=False)
        return hill_number(spectrum / spectrum.sum(axis=-1, keepdims=True), order)

    return PromptStatistic(n_prompts, score_counts)


def vendi_per_prompt(features: ArrayLike, prompt_index: ArrayLike, q: float = 1.0) -> np.ndarray:
    """(P,) Vendi of each prompt's own images (Layout's 4, or full-4's), prompts with equal image counts batched.

    The mean over prompts says how varied one prompt's images are; the set-level score says how varied the
    whole dimension is. A prompt with no image gets NaN.
    """
    order = checked_order(q)
    unit = unit_rows("features", features)
    index, n_prompts = as_prompt_index("prompt_index", prompt_index, unit.shape[0])
    by_prompt = np.argsort(index, kind="stable")
    sizes = np.bincount(index, minlength=n_prompts)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    scores = np.full(n_prompts, np.nan)
    for size in np.unique(sizes[sizes > 0]):
        prompts = np.flatnonzero(sizes == size)
        rows = by_prompt[starts[prompts, None] + np.arange(size)]  # (prompts, size)
        grouped = unit[rows]
        spectrum = np.clip(np.linalg.eigvalsh(grouped @ grouped.transpose(0, 2, 1) / size), 0, None)
        scores[prompts] = hill_number(spectrum / spectrum.sum(axis=-1, keepdims=True), order)
    return scores


class VendiScore(ReferenceRelativeMetric):
    """Vendi (q = 1) of one dimension's features, at equal n with the reference run; higher is more diverse."""

    key = "vendi"
    name = "Vendi"
    full_name = "Vendi score (q = 1, cosine kernel) at equal n with the reference run"
    description = ("Effective number of distinct images among the run's images of the prompts both runs answer, "
                   "subsampled to the reference run's n: from 1 (all alike) to n.")
    direction = "higher"
    range = (1.0, math.inf)

    def statistic(self, table: FeatureTable, context: MetricContext) -> PromptStatistic:
        _, candidate, paired = self.paired_features(table, context)
        return vendi_statistic(candidate, paired.candidate_prompt_index)

    def diagnostics(self, table: FeatureTable) -> dict:
        """Mean Vendi within a prompt, when prompts have several images (Layout, full-4)."""
        rows = table.ok_rows()
        index, _ = table.prompt_index(rows)
        if not rows or np.bincount(index).max() < 2:
            return {}
        per_prompt = vendi_per_prompt(self.features(table, rows), index)
        several = np.bincount(index) >= 2
        return {"vendi_within_prompt_mean": float(per_prompt[several].mean()), "prompts_with_several": int(several.sum())}


VendiId = VendiScore.for_dimension("id")
VendiStyle = VendiScore.for_dimension("style")
VendiTonal = VendiScore.for_dimension("tonal")
