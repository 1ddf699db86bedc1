"""The quality plug-in contract: a scorer rates each image *with its prompt text* (SPEC §4, §8).

A quality scorer is an extractor of the feature kind ``quality`` whose one array per image is ``score``
(a float64 scalar), so it is batched, fingerprinted, cached and reported per image exactly like the feature
extractors, with no second code path. What differs is the cache key: the same image scored against two
prompts gives two numbers, so quality records are keyed by (image sha256, prompt text) — ``query`` below.

Scorers that back a training reward (HPS-v2.1, PickScore, CLIP score) also implement
:class:`DifferentiableScorer`: ``reward`` on float pixels with gradients, and the text and image towers.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from ..extractors.base import OK, Extractor, FeatureRecord, ImageItem
from ..metrics.base import FeatureTable
from ..metrics.bootstrap import PromptStatistic, mean_statistic

QUALITY_FEATURE = "quality"


def quality_sidecar(name: str) -> str:
    """The sidecar a scorer's per-image scores live in: one per scorer (``features/quality-<name>``)."""
    return f"{QUALITY_FEATURE}-{name}"


def quality_statistic(table: FeatureTable) -> tuple[PromptStatistic, np.ndarray]:
    """The mean score over the scored images of ``table`` with prompts as the resampling unit, and the
    per-image scores: what ``eval`` reports and what ``compare`` pairs. ValueError when no image was scored."""
    rows = table.ok_rows()
    if not rows:
        raise ValueError("no image could be scored")
    index, _ = table.prompt_index(rows)
    per_image = table.stack("score", rows)
    return mean_statistic(per_image, index), per_image


@dataclass(frozen=True)
class QualityInfo:
    """What a quality number means, copied into results beside the value (SPEC §8 conventions)."""

    name: str  # display name, e.g. "HPS-v2.1"
    full_name: str
    scale: str  # e.g. "raw cosine (paper scale ≈ 0.31)"
    range: tuple[float, float]  # bounds any value must lie in (a result outside is refused)
    direction: str = "higher"
    conventions: dict[str, Any] = field(default_factory=dict)  # backbone, truncation, normalisation …


class QualityScorer(Extractor):
    """Scores (image, prompt) pairs. Subclasses set ``name`` and ``info`` and implement ``score``."""

    feature: ClassVar[str] = QUALITY_FEATURE
    info: ClassVar[QualityInfo]
    batch_size: int = 16

    def query(self, item: ImageItem) -> str:
        """The text this image is scored against: part of its cache key."""
        return item.text

    @abstractmethod
    def score(self, images: Sequence[np.ndarray], prompts: Sequence[str]) -> np.ndarray:
        """One float64 per (H×W×3 uint8 RGB image, prompt) pair, in order; batched by the caller."""

    def extract(self, items: Sequence[ImageItem]) -> list[FeatureRecord]:
        """Read every image (failures become per-image records), score the readable ones in batches."""
        from ..extractors.runtime import load_batch

        records: list[FeatureRecord | None] = [None] * len(items)
        for start in range(0, len(items), self.batch_size):
            chunk = items[start:start + self.batch_size]
            arrays, failures = load_batch(chunk)
            good = [i for i, failure in enumerate(failures) if failure is None]
            for i, failure in enumerate(failures):
                if failure is not None:
                    records[start + i] = failure
            if good:
                values = np.asarray(self.score([arrays[i] for i in good], [chunk[i].text for i in good]),
                                    dtype=np.float64)
                if values.shape != (len(good),):
                    raise RuntimeError(f"{self.name}.score returned shape {values.shape} for {len(good)} images")
                for i, value in zip(good, values, strict=True):
                    records[start + i] = FeatureRecord(OK, {"score": np.asarray(value, dtype=np.float64)})
        return [r for r in records if r is not None]


@runtime_checkable
class DifferentiableScorer(Protocol):
    """A reward model usable for training: gradients flow from the reward to the pixels.

    ``pixels`` is a float tensor (B, 3, H, W) in [0, 1]; resizing and normalisation are differentiable.
    ``reward(pixels, prompts)`` equals ``score`` on the same images (uint8 → /255) to 1e-4.
    """

    def encode_image(self, pixels: Any) -> Any:
        """(B, d) unit-length image embeddings, differentiable in ``pixels``."""

    def encode_text(self, prompts: Sequence[str]) -> Any:
        """(B, d) unit-length text embeddings."""

    def reward(self, pixels: Any, prompts: Sequence[str]) -> Any:
        """(B,) rewards on the scorer's scale, differentiable in ``pixels``."""

