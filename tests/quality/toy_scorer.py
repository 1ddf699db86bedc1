"""A throwaway quality scorer for the tests: mean brightness plus a prompt-length term (no model)."""

from __future__ import annotations

import numpy as np

from divgenbench.extractors.base import Fingerprint
from divgenbench.quality.base import QualityInfo, QualityScorer


class ToyQuality(QualityScorer):
    name = "toy-quality"
    info = QualityInfo("Toy", "Toy brightness-and-prompt score", "mean pixel / 255 + len(prompt) / 1000", (0.0, 2.0),
                       conventions={"pixels": "RGB uint8 / 255"})
    calls = 0  # images scored by all instances: proves caching

    def fingerprint(self) -> Fingerprint:
        return Fingerprint(self.name, self.feature, preprocessing={"scale": "1/255"}, dtype="float64", smoke=True)

    def score(self, images, prompts):
        type(self).calls += len(images)
        return np.array([image.mean() / 255 + len(prompt) / 1000 for image, prompt in zip(images, prompts)])
