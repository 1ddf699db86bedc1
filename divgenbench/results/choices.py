"""Scoring [choice]s that move a number (SPEC §4), copied into every results file's ``protocol.scoring``.

Generation choices come from ``protocol.Protocol.to_dict``; these are the ones the metrics make. ``compare``
refuses two runs whose scoring choices differ (bootstrap settings aside: they move intervals, not values).
"""

from __future__ import annotations

from typing import Any

from ..metrics.bootstrap import CONFIDENCE
from ..metrics.irs import SUBSAMPLE_SEED

#: Keys of ``protocol.scoring`` that only change intervals, never a score's value.
INTERVAL_ONLY = frozenset({"bootstrap"})


def scoring_choices(resamples: int, seed: int) -> dict[str, Any]:
    return {
        "bootstrap": {"method": "percentile bootstrap over prompts", "resamples": resamples, "seed": seed,
                      "confidence": CONFIDENCE},
        "ids": {"faces": "largest face per image", "pairs": "all pairs across the ID images, O(N·d) from Σv"},
        "asc": {"neighbour": "L2 nearest neighbour on L2-normalised CSD features",
                "synthetic_subsample_seed": SUBSAMPLE_SEED, "subsample_to": "|X_test|"},
        "sdi": {"matching": "Hungarian, maximising total IoU", "both_empty": 1.0, "one_empty": 0.0},
        "pvs": {"std": "population (ddof 0)", "scale": "RGB/255"},
    }
