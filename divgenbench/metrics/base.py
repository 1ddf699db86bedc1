"""The metric plug-in contract: one module per metric, each a :class:`Metric` subclass in ``METRICS``.

A metric owns everything the rest of the toolkit needs to know about it: its name, the dimension(s) whose
images it reads (one, several, or all), direction, range, the feature kind, the bootstrap statistic, its
diagnostics, the [choice]s it records in ``protocol.scoring`` and whether the leaderboard ranks it. The
pipeline, results, report, ``compare`` and the leaderboard read all of that from the registry, so a new
metric is one module plus its test and no edit elsewhere.

A metric that cannot be defined on its input (fewer than 2 faces) raises :class:`Undefined`; the pipeline
records it as ``undefined`` with the reason. User errors (an unknown reference) never reach a metric: they
are refused before the first image.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from ..errors import DivGenBenchError
from ..extractors.base import FeatureRecord, ImageItem
from ..protocol import DIMENSIONS
from .bootstrap import BootstrapResult, PromptStatistic, bootstrap_interval

if TYPE_CHECKING:
    from .irs import RetrievalReference

#: ``Metric.dimensions`` value for a metric over every image of the run.
ALL_DIMENSIONS: tuple[str, ...] = tuple(DIMENSIONS)


@dataclass(frozen=True)
class MetricInfo:
    """What a metric's number means; copied into results and shown by report and leaderboard."""

    name: str
    full_name: str
    dimensions: tuple[str, ...]
    direction: Literal["lower", "higher"]
    range: tuple[float, float]
    description: str
    ranked: bool = False

    @property
    def dimension(self) -> str:
        """One label for the dimensions: ``id``; ``all``; or ``id+style`` for several."""
        if len(self.dimensions) == 1:
            return self.dimensions[0]
        return "all" if set(self.dimensions) == set(ALL_DIMENSIONS) else "+".join(self.dimensions)


@dataclass
class FeatureTable:
    """The feature records of a metric's images, in run order, with their prompts."""

    items: list[ImageItem]
    records: list[FeatureRecord]
    fingerprint: dict[str, Any] | None = None  # of the extractor that made the records, when known

    def ok_rows(self) -> list[int]:
        return [i for i, r in enumerate(self.records) if r.ok]

    def restrict(self, prompt_ids: Sequence[str]) -> FeatureTable:
        """Only the images of ``prompt_ids`` (for paired comparison on shared prompts)."""
        keep = set(prompt_ids)
        rows = [i for i, item in enumerate(self.items) if item.prompt_id in keep]
        return FeatureTable([self.items[i] for i in rows], [self.records[i] for i in rows], self.fingerprint)

    def of_dimensions(self, dimensions: Sequence[str]) -> FeatureTable:
        """Only the images of ``dimensions`` (a feature extracted once for several metrics)."""
        rows = [i for i, item in enumerate(self.items) if item.dimension in dimensions]
        return FeatureTable([self.items[i] for i in rows], [self.records[i] for i in rows], self.fingerprint)

    def stack(self, name: str, rows: Sequence[int]) -> np.ndarray:
        return np.stack([self.records[i].arrays[name] for i in rows]) if rows else np.empty((0, 0))

    def prompt_index(self, rows: Sequence[int]) -> tuple[np.ndarray, list[str]]:
        """Dense prompt index of ``rows`` (the bootstrap's sampling unit) and the prompt ids in order."""
        order: dict[str, int] = {}
        index = np.array([order.setdefault(self.items[i].prompt_id, len(order)) for i in rows], dtype=np.int64)
        return index, list(order)


@dataclass
class MetricContext:
    """What a metric may need beyond its own features.

    ``style_reference`` loads ASC's WikiArt reference; ``reference_features`` maps a feature kind to the
    features of a *reference run* (same extractor fingerprint, e.g. the base model's run) for metrics that
    compare a run with another (``Metric.needs_reference_run``).
    """

    resamples: int = 1000
    seed: int = 0
    style_reference: Callable[[], tuple[RetrievalReference, np.ndarray]] | None = None  # noqa: F821
    reference_features: Mapping[str, FeatureTable] = field(default_factory=dict)


@dataclass
class MetricOutcome:
    key: str
    info: MetricInfo
    value: float | None
    interval: BootstrapResult | None
    n: int
    status: str
    reason: str | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)


class Undefined(ValueError):
    """The metric has no value on this input; the message says why."""


class Metric(ABC):
    """One metric. Subclasses set the class attributes and implement ``statistic``."""

    key: ClassVar[str]  # registry name and results key, e.g. "ids"
    name: ClassVar[str]  # display name, e.g. "IDS"
    full_name: ClassVar[str]
    description: ClassVar[str]
    dimensions: ClassVar[tuple[str, ...]]  # one, several, or ALL_DIMENSIONS
    direction: ClassVar[Literal["lower", "higher"]]
    range: ClassVar[tuple[float, float]]
    feature: ClassVar[str]  # the feature kind it reads (extractors.base.FEATURE_KINDS)
    ranked: ClassVar[bool] = False  # ranked on the leaderboard (the four SPEC scores are)
    #: [choice]s that move its value, recorded in results' ``protocol.scoring[key]``
    choices: ClassVar[dict[str, Any]] = {}
    #: True when it needs ``MetricContext.reference_features`` (another run's features)
    needs_reference_run: ClassVar[bool] = False

    @classmethod
    def info(cls) -> MetricInfo:
        return MetricInfo(cls.name, cls.full_name, tuple(cls.dimensions), cls.direction, tuple(cls.range),
                          cls.description, cls.ranked)

    @abstractmethod
    def statistic(self, table: FeatureTable, context: MetricContext) -> PromptStatistic:
        """The metric as a function of prompt draw counts (raise ``Undefined`` with a reason)."""

    def diagnostics(self, table: FeatureTable) -> dict[str, Any]:
        """Per-run numbers that explain the value (detection rate, count accuracy …); JSON-able."""
        return {}

    def compute(self, table: FeatureTable, context: MetricContext) -> MetricOutcome:
        diagnostics = self.diagnostics(table)
        info = self.info()
        try:
            statistic = self.statistic(table, context)
            result = bootstrap_interval(statistic, resamples=context.resamples, seed=context.seed)
        except ValueError as exc:  # Undefined, or a metric's own input check; never a user error
            if isinstance(exc, DivGenBenchError):
                raise
            return MetricOutcome(self.key, info, None, None, len(table.ok_rows()), "undefined", str(exc), diagnostics)
        return MetricOutcome(self.key, info, result.value, result, result.n, "computed", None, diagnostics)
