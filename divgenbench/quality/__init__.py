"""Quality scorers (HPS-v2.1, PickScore, ImageReward, CLIP score, Aesthetic v2.5): one registry, entry-point
group ``divgenbench.quality``; each scorer is one module plus its test."""

from __future__ import annotations

from ..registry import Registry
from .base import QUALITY_FEATURE, DifferentiableScorer, QualityInfo, QualityScorer

QUALITY: Registry[type[QualityScorer]] = Registry("quality", base=QualityScorer)


def default_scorers(extractor_set: str) -> list[str]:
    """The scorers an evaluation runs when ``--quality`` is not given: the tiny set uses the ``tiny-*``
    scorers (random weights, no downloads), every other set the real ones."""
    tiny = extractor_set == "tiny"
    return [name for name in QUALITY.names() if name.startswith("tiny-") == tiny]


def load_scorer(name: str, **options) -> QualityScorer:
    """The registered scorer ``name``, built with ``options`` (e.g. ``device``); models open on first use."""
    return QUALITY.get(name)(**options)


__all__ = ["QUALITY", "QUALITY_FEATURE", "DifferentiableScorer", "QualityInfo", "QualityScorer", "default_scorers", "load_scorer"]
