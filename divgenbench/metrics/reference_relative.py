"""Reference-relative metric plug-ins (SPEC §8): a run's features against a *reference run*'s, typically the
base model's, read from the feature sidecars both runs already wrote (no model forward pass).

Each number exists once per dimension, on the feature that dimension caches: ID → ArcFace face embeddings
(L2-normalised), Style → CSD style embeddings (L2-normalised), Tonal → photometric (saturation, brightness,
contrast) triples. Layout has no per-image vector feature, so it has none. Both runs are restricted to the
prompts both answer and brought to equal n (`pair_by_prompt`, seed 42); the joint bootstrap resamples those
prompts on both sides. None of them is ranked: they describe a change relative to a chosen reference.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from divgenbench.metrics.base import FeatureTable, Metric, MetricContext, Undefined
from divgenbench.metrics.subsample import SUBSAMPLE_SEED, PairedRows, pair_by_prompt

#: dimension → (feature kind, array name in its records, whether rows are L2-normalised first)
DIMENSION_FEATURES: dict[str, tuple[str, str, bool]] = {
    "id": ("face-embedding", "embedding", True),
    "style": ("style-embedding", "embedding", True),
    "tonal": ("photometric", "stats", False),
}
DIMENSION_LABELS = {"id": "ID", "style": "Style", "tonal": "Tonal"}
REFERENCE_RUN_CHOICES = {"features": {d: f[0] for d, f in DIMENSION_FEATURES.items()},
                         "pairing": "prompts both runs answer; the larger side subsampled to equal n",
                         "subsample_seed": SUBSAMPLE_SEED}


class ReferenceRelativeMetric(Metric):
    """A metric of one dimension's features against the same dimension of a reference run."""

    needs_reference_run = True
    ranked = False
    choices = REFERENCE_RUN_CHOICES
    minimum_rows: ClassVar[int] = 2

    @classmethod
    def for_dimension(cls, dimension: str) -> type[ReferenceRelativeMetric]:
        """The subclass for one dimension: key `<key>-<dimension>`, its feature kind and display name."""
        feature, _, _ = DIMENSION_FEATURES[dimension]
        return type(f"{cls.__name__}{DIMENSION_LABELS[dimension]}", (cls,), {
            "key": f"{cls.key}-{dimension}", "name": f"{cls.name} ({DIMENSION_LABELS[dimension]})",
            "dimensions": (dimension,), "feature": feature, "__module__": cls.__module__,
        })

    def paired_features(
        self, table: FeatureTable, context: MetricContext
    ) -> tuple[np.ndarray, np.ndarray, PairedRows]:
        """(reference rows, candidate rows, their pairing) on the prompts both runs answer, at equal n."""
        reference = context.reference_features.get(self.feature)
        if reference is None:
            raise Undefined(f"{self.name} compares with a reference run: pass --reference-run RUN_DIR "
                            f"(a run with {self.feature} features, e.g. the base model's)")
        reference = reference.of_dimensions(self.dimensions)
        reference_rows, candidate_rows = reference.ok_rows(), table.ok_rows()
        paired = pair_by_prompt([reference.items[i].prompt_id for i in reference_rows],
                                [table.items[i].prompt_id for i in candidate_rows])
        if paired.reference_rows.size < self.minimum_rows:
            raise Undefined(f"{self.name} needs at least {self.minimum_rows} images with features on prompts both "
                            f"runs answer, found {paired.reference_rows.size}")
        return (self.features(reference, [reference_rows[i] for i in paired.reference_rows]),
                self.features(table, [candidate_rows[i] for i in paired.candidate_rows]), paired)

    def features(self, table: FeatureTable, rows: list[int]) -> np.ndarray:
        """(rows, d) float64 features of the metric's dimension, L2-normalised for embeddings."""
        _, array, unit = DIMENSION_FEATURES[self.dimensions[0]]
        values = table.stack(array, rows).astype(np.float64)
        return values / np.linalg.norm(values, axis=1, keepdims=True) if unit else values
