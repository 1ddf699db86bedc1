"""ASC (SPEC §4): the Style images' retrieval coverage of WikiArt, relative to held-out WikiArt images.

The IRS machinery is ``irs.py``; this module is the metric plug-in reading CSD features and the reference.
"""

from __future__ import annotations

import math

from divgenbench.metrics.base import FeatureTable, Metric, MetricContext, MetricOutcome, Undefined
from divgenbench.metrics.bootstrap import PromptStatistic
from divgenbench.metrics.irs import SUBSAMPLE_SEED, asc_saturated, asc_statistic


class AscMetric(Metric):
    key = "asc"
    name = "ASC"
    full_name = "Artistic Style Coverage"
    description = "IRS∞ of the Style images over IRS∞ of held-out WikiArt images, on CSD style features; 1 = as broad."
    dimensions = ("style",)
    direction = "higher"
    range = (0.0, math.inf)
    feature = "style-embedding"
    ranked = True
    choices = {"neighbour": "L2 nearest neighbour on L2-normalised CSD features",
               "synthetic_subsample_seed": SUBSAMPLE_SEED, "subsample_to": "|X_test|"}

    def statistic(self, table: FeatureTable, context: MetricContext) -> PromptStatistic:
        if context.style_reference is None:
            raise Undefined("ASC needs a WikiArt style reference: run `divgenbench reference build`")
        rows = table.ok_rows()
        if not rows:
            raise Undefined("ASC needs at least one Style image with a style embedding")
        reference, test = context.style_reference()
        index, _ = table.prompt_index(rows)
        synth = table.stack("embedding", rows)
        self.saturated = asc_saturated(reference, test, synth)
        return asc_statistic(reference, test, synth, index)

    def compute(self, table: FeatureTable, context: MetricContext) -> MetricOutcome:
        """ASC plus `saturated` (SPEC §8): no two Style images share a nearest X_train image (k = n), so IRS∞ is
        N_train by definition and the value says little; SLC, beside it, stays informative."""
        self.saturated = None
        outcome = super().compute(table, context)
        if self.saturated is not None:
            outcome.diagnostics["saturated"] = self.saturated
        return outcome
