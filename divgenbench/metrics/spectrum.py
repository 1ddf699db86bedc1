"""Eigenvalues of a feature set's second-moment matrix, with per-row weights, for many weightings at once.

SCD needs the covariance spectrum and Vendi the spectrum of K/n, K the Gram matrix of unit rows. Both are the
nonzero eigenvalues of Aᵀ A = A Aᵀ for A = W^½ (X − 1μᵀ) / √N (centred) or A = W^½ X / √N (not centred), where
a row's weight w_i is how often it is drawn (1 for the plain set, a bootstrap resample's draw count otherwise)
and N = Σ w. Duplicating a row and doubling its weight give the same spectrum, so a resample with repeated
prompts is scored exactly as if its images were gathered, without gathering them.

Whichever of the d×d primal (Aᵀ A) and n×n dual (A Aᵀ) is smaller is decomposed: the dual when there are fewer
rows than features (Vendi's "dual form", the quick protocol's 100 Style images against 768-d CSD features).
The dual centred matrix comes from the Gram matrix G = X Xᵀ alone:
(X − 1μᵀ)(X − 1μᵀ)ᵀ = G − g1ᵀ − 1gᵀ + (wᵀGw/N²)11ᵀ with g = Gw/N.
"""

from __future__ import annotations

import numpy as np

_CHUNK_BYTES = 64 * 2**20


def _chunk_rows(matrix_side: int, other_side: int) -> int:
    return max(1, _CHUNK_BYTES // (8 * matrix_side * max(matrix_side, other_side)))


def weighted_spectrum(features: np.ndarray, weights: np.ndarray, *, centred: bool) -> np.ndarray:
    """(B, min(n, d)) eigenvalues, decreasing, of each weighting's second moment (covariance when `centred`).

    `features` is (n, d) float64 (already checked); `weights` is (B, n) non-negative. A weighting that draws no
    row has no spectrum: its row is NaN. Eigenvalues are clipped at 0 (rounding leaves tiny negatives on
    singular matrices).
    """
    weights = np.asarray(weights, dtype=np.float64)
    drawn = weights.sum(axis=1) > 0
    if not drawn.all():
        out = np.full((weights.shape[0], min(features.shape)), np.nan)
        out[drawn] = weighted_spectrum(features, weights[drawn], centred=centred)
        return out
    rows, dims = features.shape
    if centred:  # centring on the plain mean first keeps the weighted formula free of cancellation
        features = features - features.mean(axis=0)
    totals = weights.sum(axis=1)
    out = np.empty((weights.shape[0], min(rows, dims)))
    if rows < dims:
        gram = features @ features.T
        step = _chunk_rows(rows, rows)
        for start in range(0, weights.shape[0], step):
            w, total = weights[start : start + step], totals[start : start + step, None]
            matrix = np.broadcast_to(gram, (w.shape[0], rows, rows)).copy()
            if centred:
                towards_mean = w @ gram / total  # g = Gw/N, one row per weighting
                spread = np.einsum("bi,bi->b", towards_mean, w)[:, None, None] / total[:, :, None]
                matrix += spread - towards_mean[:, :, None] - towards_mean[:, None, :]
            scale = np.sqrt(w / total)
            matrix *= scale[:, :, None] * scale[:, None, :]
            out[start : start + step] = np.linalg.eigvalsh(matrix)[:, ::-1]
    else:
        step = _chunk_rows(dims, rows)
        for start in range(0, weights.shape[0], step):
            w, total = weights[start : start + step], totals[start : start + step, None]
            scaled = features[None] * np.sqrt(w / total)[:, :, None]
            matrix = np.matmul(scaled.transpose(0, 2, 1), scaled)
            if centred:
                mean = w @ features / total
                matrix -= mean[:, :, None] * mean[:, None, :]
            out[start : start + step] = np.linalg.eigvalsh(matrix)[:, ::-1]
    return np.clip(out, 0, None)
