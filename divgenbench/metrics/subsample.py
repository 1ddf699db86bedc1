"""Seeded subsampling, so that numbers which depend on the number of images compare two sets at equal n.

Vendi, PRDC, IRS∞ and SLC all move with the set size (a larger set has more room to be diverse or to cover),
so whenever two sets are compared the larger is first subsampled to the smaller's size with seed 42 (SPEC §8).
"""

from __future__ import annotations

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
