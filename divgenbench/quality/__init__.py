"""Quality scorers (HPS-v2.1, PickScore, ImageReward, CLIP score, Aesthetic v2.5): one registry, entry-point
group ``divgenbench.quality``; each scorer is one module plus its test."""

from __future__ import annotations

from ..registry import Registry
from .base import QUALITY_FEATURE, DifferentiableScorer, QualityInfo, QualityScorer

QUALITY: Registry[type[QualityScorer]] = Registry("quality", base=QualityScorer)
QUALITY.register("hps-v2.1", "divgenbench.quality.hps:HpsScorer")
QUALITY.register("tiny-hps-v2.1", "divgenbench.quality.hps:TinyHpsScorer")
QUALITY.register("pickscore", "divgenbench.quality.pickscore:PickScoreScorer")
QUALITY.register("tiny-pickscore", "divgenbench.quality.pickscore:TinyPickScoreScorer")
QUALITY.register("clip-score", "divgenbench.quality.clipscore:ClipScoreScorer")
QUALITY.register("tiny-clip-score", "divgenbench.quality.clipscore:TinyClipScoreScorer")
QUALITY.register("imagereward", "divgenbench.quality.imagereward:ImageRewardScorer")
QUALITY.register("tiny-imagereward", "divgenbench.quality.imagereward:TinyImageRewardScorer")
QUALITY.register("aesthetic-v2.5", "divgenbench.quality.aesthetic:AestheticScorer")
QUALITY.register("tiny-aesthetic-v2.5", "divgenbench.quality.aesthetic:TinyAestheticScorer")


def default_scorers(extractor_set: str) -> list[str]:
    """The scorers an evaluation runs when ``--quality`` is not given.

    [choice] The paper's ``default`` extractor set runs every real scorer and the ``tiny`` set every ``tiny-*``
    twin (random weights, no downloads); any other set (a plug-in's or a test's) runs none unless ``--quality``
    names them, so adding a scorer never makes such a set need new weights.
    """
    if extractor_set not in ("default", "tiny"):
        return []
    tiny = extractor_set == "tiny"
    return [name for name in QUALITY.names() if name.startswith("tiny-") == tiny]


def load_scorer(name: str, **options) -> QualityScorer:
    """The registered scorer ``name``, built with ``options`` (e.g. ``device``); models open on first use."""
    return QUALITY.get(name)(**options)


__all__ = ["QUALITY", "QUALITY_FEATURE", "DifferentiableScorer", "QualityInfo", "QualityScorer", "default_scorers", "load_scorer"]
