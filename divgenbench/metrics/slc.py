"""Style label coverage SLC (SPEC §8 [choice, extra]): how many WikiArt styles the Style images land in, relative
to real art of the same number, higher is better (about 1 when as varied as the held-out art).

Each Style image's nearest X_train neighbour (CSD, the same retrieval as IRS) carries a WikiArt style label.
SLC = distinct labels among the Style images' neighbours ÷ distinct labels among the neighbours of a seeded (42)
subsample of X_test of the same size. Unlike ASC, whose IRS∞ saturates when no two queries share a neighbour
(k = n, typical for the `quick` protocol's 100 images), a label count stays informative at n = 100 because 27
styles are shared by many neighbours; it is the style number to watch during training.

When there are more Style images than X_test images, the Style images are subsampled to |X_test| instead (seed
42, as for ASC). Intervals: prompts resampled, the X_test side fixed; a prompt drawn twice adds no new label.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from divgenbench.metrics._validate import as_prompt_index
from divgenbench.metrics.base import FeatureTable, Metric, MetricContext, Undefined
from divgenbench.metrics.bootstrap import PromptStatistic
from divgenbench.metrics.irs import RetrievalReference, as_reference
from divgenbench.metrics.subsample import SUBSAMPLE_SEED, equal_size_indices


def _label_codes(name: str, labels: Sequence[Hashable] | ArrayLike) -> np.ndarray:
    values = list(labels)
    if not values:
        raise ValueError(f"{name} is empty; SLC needs the style label of at least one nearest neighbour")
    codes: dict[Hashable, int] = {}
    return np.array([codes.setdefault(label, len(codes)) for label in values], dtype=np.int64)


def _equal_size(synth_labels, test_labels, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(kept synth rows, synth label codes, distinct labels of the equal-size test subsample)."""
    synth, test = _label_codes("synth_labels", synth_labels), _label_codes("test_labels", test_labels)
    kept_synth, kept_test = equal_size_indices(synth.size, test.size, seed)
    return kept_synth, synth, np.unique(test[kept_test]).size


def style_label_coverage(
    synth_labels: Sequence[Hashable], test_labels: Sequence[Hashable], seed: int = SUBSAMPLE_SEED
) -> float:
    """Distinct neighbour labels of the Style images ÷ those of an equal-size seeded X_test subsample."""
    kept, synth, test_distinct = _equal_size(synth_labels, test_labels, seed)
    return np.unique(synth[kept]).size / test_distinct


def slc_statistic(
    synth_labels: Sequence[Hashable],
    test_labels: Sequence[Hashable],
    prompt_index: ArrayLike | None = None,
    seed: int = SUBSAMPLE_SEED,
) -> PromptStatistic:
    """SLC over prompt resamples: a resample's label count is how many labels its drawn prompts reach."""
    kept, synth, test_distinct = _equal_size(synth_labels, test_labels, seed)
    index, n_prompts = as_prompt_index("prompt_index", prompt_index, synth.size)
    label_ids, label_of_image = np.unique(synth[kept], return_inverse=True)
    labels_by_prompt = np.zeros((n_prompts, label_ids.size), dtype=np.float32)
    labels_by_prompt[index[kept], label_of_image] = 1

    def score_counts(counts: np.ndarray) -> np.ndarray:
        reached = ((counts > 0).astype(np.float32) @ labels_by_prompt) > 0
        return reached.sum(axis=1) / test_distinct

    return PromptStatistic(n_prompts, score_counts)


def slc_statistic_from_features(
    train: ArrayLike | RetrievalReference,
    train_labels: Sequence[Hashable],
    test: ArrayLike,
    synth: ArrayLike,
    prompt_index: ArrayLike | None = None,
    seed: int = SUBSAMPLE_SEED,
) -> PromptStatistic:
    """SLC from CSD features: the nearest X_train neighbour of each test and Style image (as IRS finds it)
    gives the labels."""
    reference = as_reference(train)
    labels = np.asarray(train_labels)
    if labels.shape != (reference.size,):
        raise ValueError(f"train_labels must hold one label per train row ({reference.size}), got shape {labels.shape}")
    return slc_statistic(labels[reference.nearest(synth, "synth")], labels[reference.nearest(test, "test")],
                         prompt_index, seed)


class SlcMetric(Metric):
    """SLC (SPEC §8): WikiArt styles the Style images reach, relative to held-out art; informative at any n."""

    key = "slc"
    name = "SLC"
    full_name = "Style Label Coverage"
    description = ("Distinct WikiArt styles among the Style images' nearest X_train neighbours (CSD) over those of "
                   "an equal-size seeded X_test subsample; 1 = as varied as held-out art.")
    dimensions = ("style",)
    direction = "higher"
    range = (0.0, math.inf)
    feature = "style-embedding"
    choices = {"neighbour": "nearest X_train row by cosine of CSD features (as IRS)",
               "test_subsample_seed": SUBSAMPLE_SEED, "subsample_to": "the smaller of |Style images| and |X_test|"}

    def statistic(self, table: FeatureTable, context: MetricContext) -> PromptStatistic:
        labels = getattr(context.style_reference, "labels", None)
        if labels is None:
            raise Undefined("SLC needs a labelled WikiArt style reference: run `divgenbench reference build`")
        rows = table.ok_rows()
        if not rows:
            raise Undefined("SLC needs at least one Style image with a style embedding")
        reference, test = context.style_reference()
        train_labels, _ = labels()
        index, _ = table.prompt_index(rows)
        return slc_statistic_from_features(reference, train_labels, test, table.stack("embedding", rows), index)
