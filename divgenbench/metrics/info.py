"""What each headline score means and which way is better, kept beside the metrics and copied into results."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class MetricInfo:
    name: str
    full_name: str
    dimension: Literal["id", "style", "layout", "tonal"]
    direction: Literal["lower", "higher"]
    range: tuple[float, float]
    description: str


METRIC_INFO: dict[str, MetricInfo] = {
    "ids": MetricInfo(
        "IDS", "Identity Divergence Score", "id", "lower", (-1.0, 1.0),
        "Mean pairwise cosine similarity of ArcFace embeddings of faces from different ID prompts.",
    ),
    "asc": MetricInfo(
        "ASC", "Artistic Style Coverage", "style", "higher", (0.0, math.inf),
        "IRS∞ of the Style images over IRS∞ of held-out WikiArt images, on CSD style features; 1 = as broad.",
    ),
    "sdi": MetricInfo(
        "SDI", "Spatial Dispersion Index", "layout", "higher", (0.0, 1.0),
        "Mean over Layout prompts of 1 − mean Hungarian-matched box IoU between images of the same prompt.",
    ),
    "pvs": MetricInfo(
        "PVS", "Photographic Variance Score", "tonal", "higher", (0.0, 1.25),  # std ≤ 0.5 for s, v; 0.25 for c
        "Sum of the population stds of per-image saturation, brightness and contrast over the Tonal images.",
    ),
}
