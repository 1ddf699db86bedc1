"""Spatial Dispersion Index (SPEC §4 SDI, higher is better): how differently the images of one prompt place
their objects. Boxes are normalised xyxy in [0, 1]; a zero-area box overlaps nothing (IoU 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linear_sum_assignment

from divgenbench.metrics._validate import as_boxes, check_same_length
from divgenbench.metrics.base import FeatureTable, Metric, MetricContext, Undefined
from divgenbench.metrics.bootstrap import PromptStatistic

Layout = ArrayLike  # (k, 4) boxes of one image
PromptLayouts = Sequence[Layout]  # the images of one prompt


def iou_matrix(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of two checked box arrays, (|A|, |B|)."""
    top_left = np.maximum(boxes_a[:, None, :2], boxes_b[None, :, :2])
    bottom_right = np.minimum(boxes_a[:, None, 2:], boxes_b[None, :, 2:])
    intersection = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    area_a = np.prod(boxes_a[:, 2:] - boxes_a[:, :2], axis=1)
    area_b = np.prod(boxes_b[:, 2:] - boxes_b[:, :2], axis=1)
    union = area_a[:, None] + area_b[None, :] - intersection
    return np.divide(intersection, union, out=np.zeros_like(intersection), where=union > 0)


def _matched_similarity(ious: np.ndarray) -> float:
    """SimLayout from an IoU block: best one-to-one matching, normalised by the larger layout."""
    if ious.size == 0:
        return 1.0 if ious.shape == (0, 0) else 0.0
    rows, cols = linear_sum_assignment(ious, maximize=True)
    return float(ious[rows, cols].sum() / max(ious.shape))


def layout_similarity(boxes_a: Layout, boxes_b: Layout) -> float:
    """SimLayout(A, B) in [0, 1]; both empty -> 1, exactly one empty -> 0."""
    return _matched_similarity(iou_matrix(as_boxes("boxes_a", boxes_a), as_boxes("boxes_b", boxes_b)))


def per_prompt_layout_dissimilarity(layouts: Sequence[PromptLayouts]) -> np.ndarray:
    """1 − mean SimLayout over the M(M−1)/2 image pairs of each prompt: the values the bootstrap resamples."""
    if len(layouts) == 0:
        raise ValueError("layouts is empty; SDI needs at least one prompt")
    values = np.empty(len(layouts))
    for prompt, images in enumerate(layouts):
        if len(images) < 2:
            raise ValueError(f"layouts[{prompt}] has {len(images)} images; SDI needs at least 2 per prompt")
        boxes = [as_boxes(f"layouts[{prompt}][{image}]", layout) for image, layout in enumerate(images)]
        ends = np.cumsum([len(b) for b in boxes])
        starts = ends - [len(b) for b in boxes]
        all_ious = iou_matrix(np.concatenate(boxes), np.concatenate(boxes))
        similarities = [
            _matched_similarity(all_ious[starts[i] : ends[i], starts[j] : ends[j]])
            for i, j in combinations(range(len(boxes)), 2)
        ]
        values[prompt] = 1.0 - np.mean(similarities)
    return values


def spatial_dispersion_index(layouts: Sequence[PromptLayouts]) -> float:
    """SDI: mean over prompts of 1 − (mean pairwise SimLayout of the prompt's images)."""
    return float(per_prompt_layout_dissimilarity(layouts).mean())


def sdi_statistic(per_prompt_values: ArrayLike) -> PromptStatistic:
    """SDI over prompt resamples: the mean of the drawn per-prompt values."""
    values = np.asarray(per_prompt_values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or not np.isfinite(values).all():
        raise ValueError("per_prompt_values must be a non-empty 1-D array of finite numbers")
    return PromptStatistic(values.size, lambda counts: counts @ values / values.size)


def count_accuracy(detected_counts: ArrayLike, requested_counts: ArrayLike) -> float:
    """Share of Layout images whose detected object count equals the count the prompt asked for."""
    detected, requested = np.asarray(detected_counts), np.asarray(requested_counts)
    check_same_length("detected_counts", detected.size, "requested_counts", requested.size)
    if detected.size == 0:
        raise ValueError("detected_counts is empty; count accuracy needs at least one image")
    for name, counts in (("detected_counts", detected), ("requested_counts", requested)):
        if counts.ndim != 1 or not np.issubdtype(counts.dtype, np.integer) or (counts < 0).any():
            raise ValueError(f"{name} must be a 1-D array of non-negative integers")
    return float(np.mean(detected == requested))


class SdiMetric(Metric):
    """SDI (SPEC §4): how differently the objects of one Layout prompt are placed across its images."""

    key = "sdi"
    name = "SDI"
    full_name = "Spatial Dispersion Index"
    description = "Mean over Layout prompts of 1 − mean Hungarian-matched box IoU between images of the same prompt."
    dimensions = ("layout",)
    direction = "higher"
    range = (0.0, 1.0)
    feature = "boxes"
    ranked = True
    choices = {"matching": "Hungarian, maximising total IoU", "both_empty": 1.0, "one_empty": 0.0}

    def _layouts(self, table: FeatureTable) -> tuple[list[list[np.ndarray]], list[str]]:
        by_prompt: dict[str, list[np.ndarray]] = {}
        for i in table.ok_rows():
            by_prompt.setdefault(table.items[i].prompt_id, []).append(table.records[i].arrays["boxes"].reshape(-1, 4))
        return [v for v in by_prompt.values() if len(v) >= 2], [k for k, v in by_prompt.items() if len(v) >= 2]

    def statistic(self, table: FeatureTable, context: MetricContext) -> PromptStatistic:
        layouts, _ = self._layouts(table)
        if not layouts:
            raise Undefined("SDI needs at least one Layout prompt with 2 or more readable images")
        return sdi_statistic(per_prompt_layout_dissimilarity(layouts))

    def diagnostics(self, table: FeatureTable) -> dict:
        rows = table.ok_rows()
        if not rows:
            return {}
        detected = [table.records[i].arrays["boxes"].reshape(-1, 4).shape[0] for i in rows]
        requested = [int(table.items[i].attributes["count"]) for i in rows]
        layouts, prompt_ids = self._layouts(table)
        per_prompt = per_prompt_layout_dissimilarity(layouts) if layouts else []
        return {"count_accuracy": count_accuracy(detected, requested),
                "layout_per_prompt": {p: float(v) for p, v in zip(prompt_ids, per_prompt)}}
