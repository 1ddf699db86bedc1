"""Eigenvalues of a feature set's second-moment matrix, with per-row weights, for many weightings at once.

SCD needs the covariance spectrum and Vendi the spectrum of K/n, K the Gram matrix of unit rows. Both are the
nonzero eigenvalues of Aᵀ A = A Aᵀ for A = W^½ (X − 1μᵀ) / √N (centred) or A = W^½ X / √N (not centred), where
a row's weight w_i is how often it is drawn (1 for the plain set, a bootstrap resample's draw count otherwise),
μ the weighted mean and N = Σ w. Duplicating a row and doubling its weight give the same spectrum, so a resample
with repeated prompts is scored exactly as if its images were gathered, without gathering them.

Whichever of the d×d primal (Aᵀ A) and m×m dual (A Aᵀ, over the m rows with nonzero weight) is smaller is
decomposed: the dual when fewer rows are drawn than there are features (Vendi's "dual form"; a bootstrap
resample of 800 prompts draws about 506 distinct ones, against 768-d CSD features). The dual centred matrix
comes from the Gram matrix G = X Xᵀ alone: (X − 1μᵀ)(X − 1μᵀ)ᵀ = G − g1ᵀ − 1gᵀ + (wᵀGw/N²)11ᵀ, g = Gw/N.
The eigendecomposition, min(m, d)³ per weighting, is the whole cost.
"""

from __future__ import annotations

import numpy as np


def _dual_matrix(gram: np.ndarray, weights: np.ndarray, centred: bool) -> np.ndarray:
    total = weights.sum()
    matrix = gram.copy()
    if centred:
        towards_mean = gram @ weights / total
        matrix += weights @ towards_mean / total - towards_mean[:, None] - towards_mean[None, :]
    scale = np.sqrt(weights / total)
    return matrix * scale[:, None] * scale[None, :]


def _primal_matrix(features: np.ndarray, weights: np.ndarray, centred: bool) -> np.ndarray:
    total = weights.sum()
    scaled = features * np.sqrt(weights / total)[:, None]
    matrix = scaled.T @ scaled
    if centred:
        mean = weights @ features / total
        matrix -= mean[:, None] * mean[None, :]
    return matrix


def weighted_spectrum(features: np.ndarray, weights: np.ndarray, *, centred: bool) -> np.ndarray:
    """(B, min(n, d)) eigenvalues, decreasing, of each weighting's second moment (covariance when `centred`).

    `features` is (n, d) float64 (already checked); `weights` is (B, n) non-negative. A weighting that draws no
    row has no spectrum: its row is NaN. Eigenvalues are clipped at 0 (rounding leaves tiny negatives on
    singular matrices); a dual spectrum is padded with zeros to min(n, d).
    """
    weights = np.asarray(weights, dtype=np.float64)
    rows, dims = features.shape
    if centred:  # centring on the plain mean first keeps the weighted formula free of cancellation
        features = features - features.mean(axis=0)
    gram = features @ features.T if rows < dims or (weights > 0).sum(axis=1).min() < dims else None
    out = np.full((weights.shape[0], min(rows, dims)), np.nan)
    for b, row_weights in enumerate(weights):
        drawn = np.flatnonzero(row_weights > 0)
        if drawn.size == 0:
            continue
        if drawn.size < dims:
            matrix = _dual_matrix(gram[np.ix_(drawn, drawn)], row_weights[drawn], centred)
        else:
            matrix = _primal_matrix(features, row_weights, centred)
        eigenvalues = np.linalg.eigvalsh(matrix)[::-1]
        out[b] = 0
        out[b, : eigenvalues.size] = np.clip(eigenvalues, 0, None)
    return out
