"""Photographic Variance Score (SPEC §4 PVS, higher is better): spread of per-image saturation, brightness
and contrast across the Tonal images.

The per-image (s, v, c) triples come from ``extractors.photometric`` (the feature); this module only
spreads them.
"""

from __future__ import annotations


import numpy as np
from numpy.typing import ArrayLike

from divgenbench.extractors.photometric import photometric_stats  # noqa: F401  (re-exported: the PVS API)
from divgenbench.metrics._validate import as_finite_2d, as_prompt_index, require_rows
from divgenbench.metrics.base import FeatureTable, Metric, MetricContext, Undefined
from divgenbench.metrics.bootstrap import PromptStatistic, prompt_sums


def pvs_from_moments(count: np.ndarray | float, sums: np.ndarray, sums_of_squares: np.ndarray) -> np.ndarray:
    """Σ over (s, v, c) of the population std, from N, Σx and Σx² (last axis = the 3 channels)."""
    count = np.asarray(count, dtype=np.float64)[..., None]
    variance = np.maximum(sums_of_squares / count - (sums / count) ** 2, 0)
    return np.sqrt(variance).sum(axis=-1)


def _checked_stats(stats: ArrayLike) -> np.ndarray:
    values = as_finite_2d("stats", stats, columns=3).astype(np.float64)
    require_rows("stats", values, 1, "images")
    return values


def photographic_variance_score(stats: ArrayLike) -> float:
    """PVS = std(s) + std(v) + std(c) over (N, 3) photometric triples, population std (ddof 0)."""
    values = _checked_stats(stats)
    centred = values - values.mean(axis=0)  # variance is shift-free; centring avoids cancellation
    return float(pvs_from_moments(values.shape[0], centred.sum(axis=0), (centred**2).sum(axis=0)))


def pvs_statistic(stats: ArrayLike, prompt_index: ArrayLike | None = None) -> PromptStatistic:
    """PVS over prompt resamples from per-prompt counts, sums and sums of squares (centred)."""
    values = _checked_stats(stats)
    centred = values - values.mean(axis=0)
    index, n_prompts = as_prompt_index("prompt_index", prompt_index, values.shape[0])
    sums = prompt_sums(centred, index, n_prompts)
    squares = prompt_sums(centred**2, index, n_prompts)
    sizes = np.bincount(index, minlength=n_prompts).astype(np.float64)
    return PromptStatistic(n_prompts, lambda counts: pvs_from_moments(counts @ sizes, counts @ sums, counts @ squares))


class PvsMetric(Metric):
    """PVS (SPEC §4): spread of saturation, brightness and contrast over the Tonal images."""

    key = "pvs"
    name = "PVS"
    full_name = "Photographic Variance Score"
    description = "Sum of the population stds of per-image saturation, brightness and contrast over the Tonal images."
    dimensions = ("tonal",)
    direction = "higher"
    range = (0.0, 1.25)  # std ≤ 0.5 for s, v; 0.25 for c
    feature = "photometric"
    ranked = True
    choices = {"std": "population (ddof 0)", "scale": "RGB/255"}

    def statistic(self, table: FeatureTable, context: MetricContext) -> PromptStatistic:
        rows = table.ok_rows()
        if not rows:
            raise Undefined("PVS needs at least one readable Tonal image")
        index, _ = table.prompt_index(rows)
        return pvs_statistic(table.stack("stats", rows), index)
