"""Scoring [choice]s that move a number (SPEC §4), copied into every results file's ``protocol.scoring``.

Generation choices come from ``protocol.Protocol.to_dict``; these are the ones the metrics make, each read
from its plug-in's ``choices``. ``compare`` refuses two runs whose scoring choices differ (bootstrap settings
aside: they move intervals, not values).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..metrics import METRICS
from ..metrics.bootstrap import CONFIDENCE

#: Keys of ``protocol.scoring`` that only change intervals, never a score's value.
INTERVAL_ONLY = frozenset({"bootstrap"})


def scoring_choices(resamples: int, seed: int, metric_keys: Sequence[str]) -> dict[str, Any]:
    """The bootstrap settings plus the choices of each metric in ``metric_keys``."""
    return {
        "bootstrap": {"method": "percentile bootstrap over prompts", "resamples": resamples, "seed": seed,
                      "confidence": CONFIDENCE},
        **{key: dict(METRICS.get(key).choices) for key in metric_keys},
    }
