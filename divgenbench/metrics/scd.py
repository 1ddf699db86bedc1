"""Spectral covariance distance (SPEC §8; Jena et al., arXiv 2409.06493): how far a set's spread is from a
reference set's, lower is closer, 0 for the same spread.

SCD(A, B) = Σ_i (λ_A(i) − λ_B(i))², with λ_X the eigenvalues of X's feature covariance (1/N normalisation)
sorted in decreasing order.

Pairing by rank. The i-th largest variance of one set is compared with the i-th largest of the other, whatever
their principal directions: a rotated and translated copy of a set has SCD 0, and a set squeezed towards its
mean has SCD > 0. SCD compares how much spread there is and how it is distributed over directions, not where.

Zero padding. A set of n rows in d dimensions has min(n, d) eigenvalues (at most n − 1 nonzero); when the two
lists differ in length (fewer images than features, or features of different widths) the shorter list is padded
with zeros, i.e. the missing directions carry no variance.

Features. The pure function takes features as given, so the scale is the features' (squared variance units).
The metric plug-ins use the features a run already cached: L2-normalised ArcFace embeddings for ID, L2-normalised
CSD style embeddings for Style, and photometric (saturation, brightness, contrast) triples for Tonal.

Intervals: prompts are resampled jointly for the two sets (they answer the same prompts); a prompt drawn twice
counts its images twice in both covariances, exactly as rescoring the gathered resample would.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from divgenbench.metrics._validate import as_finite_2d, as_prompt_index, require_rows
from divgenbench.metrics.base import FeatureTable, MetricContext
from divgenbench.metrics.bootstrap import PromptStatistic
from divgenbench.metrics.reference_relative import ReferenceRelativeMetric
from divgenbench.metrics.spectrum import weighted_spectrum


def padded_distance(spectrum_a: np.ndarray, spectrum_b: np.ndarray) -> np.ndarray:
    """Σ (λ_a − λ_b)² along the last axis of two decreasing spectra, the shorter zero-padded."""
    width = max(spectrum_a.shape[-1], spectrum_b.shape[-1])

    def pad(spectrum: np.ndarray) -> np.ndarray:
        return np.pad(spectrum, [(0, 0)] * (spectrum.ndim - 1) + [(0, width - spectrum.shape[-1])])

    return ((pad(spectrum_a) - pad(spectrum_b)) ** 2).sum(axis=-1)


def _checked(name: str, features: ArrayLike) -> np.ndarray:
    values = as_finite_2d(name, features).astype(np.float64)
    require_rows(name, values, 2, "rows (a covariance needs two)")
    return values


def covariance_spectrum(features: ArrayLike, name: str = "features") -> np.ndarray:
    """Eigenvalues of the (1/N) feature covariance, decreasing, min(n, d) of them."""
    values = _checked(name, features)
    return weighted_spectrum(values, np.ones((1, values.shape[0])), centred=True)[0]


def spectral_covariance_distance(a: ArrayLike, b: ArrayLike) -> float:
    """SCD between two feature sets (rows are images); symmetric, 0 when the covariance spectra agree."""
    return float(padded_distance(covariance_spectrum(a, "a"), covariance_spectrum(b, "b")))


def scd_statistic(
    reference: ArrayLike,
    candidate: ArrayLike,
    reference_prompt_index: ArrayLike,
    candidate_prompt_index: ArrayLike,
) -> PromptStatistic:
    """SCD(reference, candidate) over prompt resamples; both index arrays number the same prompts 0..P−1."""
    sets = (_checked("reference", reference), _checked("candidate", candidate))
    indices = (
        as_prompt_index("reference_prompt_index", reference_prompt_index, sets[0].shape[0]),
        as_prompt_index("candidate_prompt_index", candidate_prompt_index, sets[1].shape[0]),
    )
    n_prompts = max(count for _, count in indices)

    def score_counts(counts: np.ndarray) -> np.ndarray:
        spectra = [weighted_spectrum(values, counts[:, index], centred=True)
                   for values, (index, _) in zip(sets, indices)]
        return padded_distance(*spectra)

    return PromptStatistic(n_prompts, score_counts)


class SpectralCovarianceDistance(ReferenceRelativeMetric):
    """SCD of one dimension's features against the reference run's; lower is closer to its spread."""

    key = "scd"
    name = "SCD"
    full_name = "Spectral covariance distance to the reference run"
    description = ("Σ (λ_run − λ_reference)² over the rank-paired covariance eigenvalues of the two runs' "
                   "features; 0 = the same spread as the reference run.")
    direction = "lower"
    range = (0.0, math.inf)

    def statistic(self, table: FeatureTable, context: MetricContext) -> PromptStatistic:
        reference, candidate, paired = self.paired_features(table, context)
        return scd_statistic(reference, candidate, paired.reference_prompt_index, paired.candidate_prompt_index)


ScdId = SpectralCovarianceDistance.for_dimension("id")
ScdStyle = SpectralCovarianceDistance.for_dimension("style")
ScdTonal = SpectralCovarianceDistance.for_dimension("tonal")
