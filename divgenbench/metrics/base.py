"""Score plug-ins: the glue from per-image feature records to the pure metric functions.

Each score names its dimension and the feature kind it needs; the pipeline extracts that feature for
the dimension's images and calls ``compute``. A score that cannot be defined (fewer than 2 faces, no
style reference) comes back ``undefined`` with the reason, never as a silent gap.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..extractors.base import FeatureRecord, ImageItem
from ..registry import Registry
from .bootstrap import BootstrapResult, PromptStatistic, bootstrap_interval
from .ids import identity_divergence_within_groups, ids_statistic
from .info import METRIC_INFO, MetricInfo
from .irs import RetrievalReference, asc_statistic
from .pvs import pvs_statistic
from .sdi import count_accuracy, per_prompt_layout_dissimilarity, sdi_statistic


@dataclass
class FeatureTable:
    """The feature records of one dimension's images, in run order, with their prompts."""

    items: list[ImageItem]
    records: list[FeatureRecord]

    def ok_rows(self) -> list[int]:
        return [i for i, r in enumerate(self.records) if r.ok]

    def restrict(self, prompt_ids: Sequence[str]) -> FeatureTable:
        """Only the images of ``prompt_ids`` (for paired comparison on shared prompts)."""
        keep = set(prompt_ids)
        rows = [i for i, item in enumerate(self.items) if item.prompt_id in keep]
        return FeatureTable([self.items[i] for i in rows], [self.records[i] for i in rows])

    def stack(self, name: str, rows: Sequence[int]) -> np.ndarray:
        return np.stack([self.records[i].arrays[name] for i in rows]) if rows else np.empty((0, 0))

    def prompt_index(self, rows: Sequence[int]) -> tuple[np.ndarray, list[str]]:
        """Dense prompt index of ``rows`` (the bootstrap's sampling unit) and the prompt ids in order."""
        order: dict[str, int] = {}
        index = np.array([order.setdefault(self.items[i].prompt_id, len(order)) for i in rows], dtype=np.int64)
        return index, list(order)


@dataclass
class ScoreContext:
    """What a score may need beyond features: the WikiArt reference for ASC, bootstrap settings."""

    resamples: int = 1000
    seed: int = 0
    style_reference: Callable[[], tuple[RetrievalReference, np.ndarray]] | None = None


@dataclass
class ScoreOutcome:
    key: str
    info: MetricInfo
    value: float | None
    interval: BootstrapResult | None
    n: int
    status: str
    reason: str | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)


class Undefined(ValueError):
    """The score has no value on this input; the message says why."""


class Score(ABC):
    key: ClassVar[str]
    feature: ClassVar[str]

    @property
    def info(self) -> MetricInfo:
        return METRIC_INFO[self.key]

    @property
    def dimension(self) -> str:
        return self.info.dimension

    @abstractmethod
    def statistic(self, table: FeatureTable, context: ScoreContext) -> PromptStatistic:
        """The score as a function of prompt draw counts (raise ``Undefined`` with a reason)."""

    def diagnostics(self, table: FeatureTable) -> dict[str, Any]:
        return {}

    def compute(self, table: FeatureTable, context: ScoreContext) -> ScoreOutcome:
        diagnostics = self.diagnostics(table)
        try:
            statistic = self.statistic(table, context)
            result = bootstrap_interval(statistic, resamples=context.resamples, seed=context.seed)
        except ValueError as exc:  # Undefined, or a metric's own input check
            return ScoreOutcome(self.key, self.info, None, None, len(table.ok_rows()), "undefined", str(exc),
                                diagnostics)
        return ScoreOutcome(self.key, self.info, result.value, result, result.n, "computed", None, diagnostics)


class IdentityDivergenceScore(Score):
    key = "ids"
    feature = "face-embedding"

    def statistic(self, table, context):
        rows = table.ok_rows()
        if len(rows) < 2:
            raise Undefined(f"IDS needs at least 2 detected faces, found {len(rows)} in {len(table.items)} ID images")
        index, _ = table.prompt_index(rows)
        return ids_statistic(table.stack("embedding", rows), index)

    def diagnostics(self, table):
        rows = table.ok_rows()
        out: dict[str, Any] = {"face_detection_rate": len(rows) / len(table.items) if table.items else None,
                               "faces_detected": len(rows)}
        groups = [table.items[i].attributes.get("group") for i in rows]
        if rows and all(groups):
            try:
                within = identity_divergence_within_groups(table.stack("embedding", rows), groups)
                out["ids_within_group"] = within.value
            except ValueError as exc:
                out["ids_within_group_reason"] = str(exc)
        return out


class ArtisticStyleCoverageScore(Score):
    key = "asc"
    feature = "style-embedding"

    def statistic(self, table, context):
        if context.style_reference is None:
            raise Undefined("ASC needs a WikiArt style reference: run `divgenbench reference build`")
        rows = table.ok_rows()
        if not rows:
            raise Undefined("ASC needs at least one Style image with a style embedding")
        reference, test = context.style_reference()
        index, _ = table.prompt_index(rows)
        return asc_statistic(reference, test, table.stack("embedding", rows), index)


class SpatialDispersionScore(Score):
    key = "sdi"
    feature = "boxes"

    def _layouts(self, table: FeatureTable) -> tuple[list[list[np.ndarray]], list[str]]:
        by_prompt: dict[str, list[np.ndarray]] = {}
        for i in table.ok_rows():
            by_prompt.setdefault(table.items[i].prompt_id, []).append(table.records[i].arrays["boxes"].reshape(-1, 4))
        return [v for v in by_prompt.values() if len(v) >= 2], [k for k, v in by_prompt.items() if len(v) >= 2]

    def statistic(self, table, context):
        layouts, _ = self._layouts(table)
        if not layouts:
            raise Undefined("SDI needs at least one Layout prompt with 2 or more readable images")
        return sdi_statistic(per_prompt_layout_dissimilarity(layouts))

    def diagnostics(self, table):
        rows = table.ok_rows()
        if not rows:
            return {}
        detected = [table.records[i].arrays["boxes"].reshape(-1, 4).shape[0] for i in rows]
        requested = [int(table.items[i].attributes["count"]) for i in rows]
        layouts, prompt_ids = self._layouts(table)
        per_prompt = per_prompt_layout_dissimilarity(layouts) if layouts else []
        return {"count_accuracy": count_accuracy(detected, requested),
                "layout_per_prompt": {p: float(v) for p, v in zip(prompt_ids, per_prompt)}}


class PhotographicVarianceScore(Score):
    key = "pvs"
    feature = "photometric"

    def statistic(self, table, context):
        rows = table.ok_rows()
        if not rows:
            raise Undefined("PVS needs at least one readable Tonal image")
        index, _ = table.prompt_index(rows)
        return pvs_statistic(table.stack("stats", rows), index)


SCORES: Registry[type[Score]] = Registry("scores", base=Score)
for _cls in (IdentityDivergenceScore, ArtisticStyleCoverageScore, SpatialDispersionScore, PhotographicVarianceScore):
    SCORES.register(_cls.key, _cls)
