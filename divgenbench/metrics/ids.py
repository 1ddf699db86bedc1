"""Identity Divergence Score (SPEC §4 IDS, lower is better): mean pairwise cosine of face embeddings.

With unit vectors v_i, sum_{i<j} v_i·v_j = (‖Σv‖² − N)/2, so the mean over the N(N−1)/2 pairs needs only the
running sum Σv and N: O(N·d) time, and a state that merges across shards and resamples by addition.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from divgenbench.metrics._validate import as_prompt_index, check_same_length, require_rows, unit_rows
from divgenbench.metrics.base import FeatureTable, Metric, MetricContext, Undefined
from divgenbench.metrics.bootstrap import PromptStatistic, prompt_sums


def ids_from_sums(squared_norm_of_sum: np.ndarray | float, count: np.ndarray | float) -> np.ndarray | float:
    """IDS from ‖Σv‖² and N (either may be arrays, for resamples); undefined (NaN) below 2 faces."""
    count = np.asarray(count, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = (squared_norm_of_sum - count) / (count * (count - 1))
    return np.where(count >= 2, scores, np.nan)


def identity_divergence_score(embeddings: ArrayLike) -> float:
    """IDS of (N, d) face embeddings; rows are L2-normalised here, sums kept in float64."""
    unit = unit_rows("embeddings", embeddings)
    require_rows("embeddings", unit, 2, "faces (IDS is a mean over pairs)")
    total = unit.sum(axis=0)
    return float(ids_from_sums(total @ total, unit.shape[0]))


@dataclass(frozen=True)
class GroupedIdentityDivergence:
    """Mean IDS inside groups (e.g. age×ethnicity×gender cells), which separates identity collapse from
    demographic spread. Groups with fewer than 2 faces have no pairs: they are left out and counted."""

    value: float
    per_group: Mapping[Hashable, float]
    skipped_groups: int


def identity_divergence_within_groups(
    embeddings: ArrayLike, groups: Sequence[Hashable]
) -> GroupedIdentityDivergence:
    unit = unit_rows("embeddings", embeddings)
    check_same_length("embeddings", unit.shape[0], "groups", len(groups))
    position: dict[Hashable, int] = {}
    group_index = np.array([position.setdefault(label, len(position)) for label in groups], dtype=np.int64)
    sums = prompt_sums(unit, group_index, len(position))
    scores = ids_from_sums(np.einsum("ij,ij->i", sums, sums), np.bincount(group_index, minlength=len(position)))
    per_group = {label: float(scores[i]) for label, i in position.items() if np.isfinite(scores[i])}
    if not per_group:
        raise ValueError("groups: no group has at least 2 faces, so no within-group IDS is defined")
    return GroupedIdentityDivergence(
        value=float(np.mean(list(per_group.values()))),
        per_group=per_group,
        skipped_groups=len(position) - len(per_group),
    )


def ids_statistic(embeddings: ArrayLike, prompt_index: ArrayLike | None = None) -> PromptStatistic:
    """IDS as a function of prompt draw counts: a resample's Σv is counts @ (per-prompt Σv).

    As in rescoring the resampled faces, a prompt drawn twice pairs its face with its copy (cosine 1); with
    800 prompts that lifts resampled IDS by about 0.001 on average.
    """
    unit = unit_rows("embeddings", embeddings)
    require_rows("embeddings", unit, 2, "faces (IDS is a mean over pairs)")
    index, n_prompts = as_prompt_index("prompt_index", prompt_index, unit.shape[0])
    sums = prompt_sums(unit, index, n_prompts)
    sizes = np.bincount(index, minlength=n_prompts).astype(np.float64)

    def score_counts(counts: np.ndarray) -> np.ndarray:
        totals = counts @ sums
        return ids_from_sums(np.einsum("ij,ij->i", totals, totals), counts @ sizes)

    return PromptStatistic(n_prompts, score_counts)


class IdsMetric(Metric):
    """IDS (SPEC §4): ArcFace similarity between faces of different ID prompts; lower is more diverse."""

    key = "ids"
    name = "IDS"
    full_name = "Identity Divergence Score"
    description = "Mean pairwise cosine similarity of ArcFace embeddings of faces from different ID prompts."
    dimensions = ("id",)
    direction = "lower"
    range = (-1.0, 1.0)
    feature = "face-embedding"
    ranked = True
    choices = {"faces": "largest face per image", "pairs": "all pairs across the ID images, O(N·d) from Σv"}

    def statistic(self, table: FeatureTable, context: MetricContext) -> PromptStatistic:
        rows = table.ok_rows()
        if len(rows) < 2:
            raise Undefined(f"IDS needs at least 2 detected faces, found {len(rows)} in {len(table.items)} ID images")
        index, _ = table.prompt_index(rows)
        return ids_statistic(table.stack("embedding", rows), index)

    def diagnostics(self, table: FeatureTable) -> dict:
        rows = table.ok_rows()
        out: dict = {"face_detection_rate": len(rows) / len(table.items) if table.items else None,
                     "faces_detected": len(rows)}
        groups = [table.items[i].attributes.get("group") for i in rows]
        if rows and all(groups):
            try:
                out["ids_within_group"] = identity_divergence_within_groups(table.stack("embedding", rows),
                                                                            groups).value
            except ValueError as exc:
                out["ids_within_group_reason"] = str(exc)
        return out
