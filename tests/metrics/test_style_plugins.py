"""The SLC plug-in and ASC's `saturated` flag on a labelled toy reference (no model, no files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from divgenbench.extractors.base import OK, FeatureRecord, ImageItem
from divgenbench.metrics import METRICS, RetrievalReference
from divgenbench.metrics.base import FeatureTable, MetricContext

TRAIN = np.eye(6)
TRAIN_LABELS = np.array(["a", "a", "b", "b", "c", "c"])
TEST = np.eye(6)[[0, 2, 4, 1]] + 0.01  # neighbours 0, 2, 4, 1 → labels a, b, c, a


class LabelledReference:
    """What `StyleReferenceLoader` offers the style metrics: the retrieval index and test set, and labels."""

    def __call__(self):
        return RetrievalReference(TRAIN), TEST

    def labels(self):
        return TRAIN_LABELS, TRAIN_LABELS[[0, 2, 4, 1]]


def style_table(rows_of_train: list[int]) -> FeatureTable:
    items = [ImageItem(f"p{i}_0", Path(f"p{i}.png"), f"{i:064x}", "style", f"p{i}") for i in range(len(rows_of_train))]
    records = [FeatureRecord(OK, {"embedding": TRAIN[row] + 0.01}) for row in rows_of_train]
    return FeatureTable(items, records)


@pytest.mark.parametrize("rows, slc, saturated", [
    ([0, 2, 4, 1], 3 / 3, True),  # four different neighbours: ASC saturates; three styles as the test set
    ([0, 0, 1, 1], 1 / 3, False),  # shared neighbours, one style
])
def test_slc_and_saturation(rows, slc, saturated):
    context = MetricContext(resamples=20, style_reference=LabelledReference())
    slc_outcome = METRICS.get("slc")().compute(style_table(rows), context)
    assert slc_outcome.status == "computed" and slc_outcome.value == pytest.approx(slc)
    asc_outcome = METRICS.get("asc")().compute(style_table(rows), context)
    assert asc_outcome.status == "computed" and asc_outcome.diagnostics["saturated"] is saturated


def test_slc_without_labels_is_undefined_with_the_reason():
    context = MetricContext(resamples=20, style_reference=lambda: (RetrievalReference(TRAIN), TEST))
    outcome = METRICS.get("slc")().compute(style_table([0, 2]), context)
    assert outcome.status == "undefined" and "labelled WikiArt style reference" in outcome.reason
