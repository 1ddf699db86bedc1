"""Seeded subsampling, so that numbers which depend on the number of images compare two sets at equal n.

Vendi, PRDC, IRS∞ and SLC all move with the set size (a larger set has more room to be diverse or to cover),
so whenever two sets are compared the larger is first subsampled to the smaller's size with seed 42 (SPEC §8).
A reference run and a candidate run are first restricted to the prompts both answer (a face-less ID image
drops out of one side only), so that the joint prompt bootstrap resamples the same prompts on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SUBSAMPLE_SEED = 42


def subsample_indices(n_items: int, size: int, seed: int = SUBSAMPLE_SEED) -> np.ndarray:
    """Sorted indices of `size` of `n_items` items, or all of them when there are not more than `size`."""
    if n_items <= size:
        return np.arange(n_items)
    return np.sort(np.random.default_rng(seed).choice(n_items, size, replace=False))


def equal_size_indices(n_a: int, n_b: int, seed: int = SUBSAMPLE_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Row indices that bring two sets of sizes `n_a` and `n_b` to the smaller size; the smaller is kept whole."""
    size = min(n_a, n_b)
    return subsample_indices(n_a, size, seed), subsample_indices(n_b, size, seed)


@dataclass(frozen=True)
class PairedRows:
    """Rows of a reference and a candidate set restricted to the prompts both answer, at equal n.

    `*_rows` index the original arrays; `*_prompt_index` number the kept rows' prompts 0..P−1 in one shared
    numbering (the order of `prompt_ids`), which is what the joint prompt bootstrap resamples.
    """

    reference_rows: np.ndarray
    candidate_rows: np.ndarray
    reference_prompt_index: np.ndarray
    candidate_prompt_index: np.ndarray
    prompt_ids: list[str]


def pair_by_prompt(
    reference_prompt_ids: Sequence[str], candidate_prompt_ids: Sequence[str], seed: int = SUBSAMPLE_SEED
) -> PairedRows:
    """Keep the rows whose prompt both sets answer, then subsample the larger side to the smaller's size."""
    shared = set(reference_prompt_ids) & set(candidate_prompt_ids)
    if not shared:
        raise ValueError("the reference and candidate sets share no prompt; compare runs of the same prompt bank")
    reference_rows = np.array([i for i, p in enumerate(reference_prompt_ids) if p in shared], dtype=np.int64)
    candidate_rows = np.array([i for i, p in enumerate(candidate_prompt_ids) if p in shared], dtype=np.int64)
    keep_reference, keep_candidate = equal_size_indices(reference_rows.size, candidate_rows.size, seed)
    reference_rows, candidate_rows = reference_rows[keep_reference], candidate_rows[keep_candidate]
    order: dict[str, int] = {}
    for prompt in [reference_prompt_ids[i] for i in reference_rows] + [candidate_prompt_ids[i] for i in candidate_rows]:
        order.setdefault(prompt, len(order))
    return PairedRows(
        reference_rows,
        candidate_rows,
        np.array([order[reference_prompt_ids[i]] for i in reference_rows], dtype=np.int64),
        np.array([order[candidate_prompt_ids[i]] for i in candidate_rows], dtype=np.int64),
        list(order),
    )
