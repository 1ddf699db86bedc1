"""Diversity scores of SPEC §4, and the reference-relative and style-label extras of §8, as pure numpy/scipy
functions on feature arrays (no model loading, no torch)."""

from divgenbench.metrics.bootstrap import BootstrapResult, PromptStatistic, bootstrap_interval
from divgenbench.metrics.compare import PairedDifference, paired_bootstrap_difference
from divgenbench.metrics.ids import (
    GroupedIdentityDivergence,
    identity_divergence_score,
    identity_divergence_within_groups,
    ids_statistic,
)
from divgenbench.metrics.info import METRIC_INFO, MetricInfo
from divgenbench.metrics.irs import (
    RetrievalReference,
    artistic_style_coverage,
    asc_saturated,
    asc_statistic,
    image_retrieval_score,
    retrieval_saturated,
)
from divgenbench.metrics.prdc import PRDC_KEYS, prdc_statistics, precision_recall_density_coverage
from divgenbench.metrics.pvs import photographic_variance_score, photometric_stats, pvs_statistic
from divgenbench.metrics.scd import scd_statistic, spectral_covariance_distance
from divgenbench.metrics.sdi import (
    count_accuracy,
    layout_similarity,
    per_prompt_layout_dissimilarity,
    sdi_statistic,
    spatial_dispersion_index,
)
from divgenbench.metrics.slc import slc_statistic, slc_statistic_from_features, style_label_coverage
from divgenbench.metrics.streaming import (
    IdentityDivergence,
    PhotographicVariance,
    SpatialDispersion,
    StyleCoverage,
)
from divgenbench.metrics.subsample import equal_size_indices, subsample_indices
from divgenbench.metrics.vendi import vendi_per_prompt, vendi_score, vendi_statistic

__all__ = [
    "BootstrapResult",
    "GroupedIdentityDivergence",
    "IdentityDivergence",
    "METRIC_INFO",
    "MetricInfo",
    "PRDC_KEYS",
    "PairedDifference",
    "PhotographicVariance",
    "PromptStatistic",
    "RetrievalReference",
    "SpatialDispersion",
    "StyleCoverage",
    "artistic_style_coverage",
    "asc_saturated",
    "asc_statistic",
    "bootstrap_interval",
    "count_accuracy",
    "equal_size_indices",
    "identity_divergence_score",
    "identity_divergence_within_groups",
    "ids_statistic",
    "image_retrieval_score",
    "layout_similarity",
    "paired_bootstrap_difference",
    "per_prompt_layout_dissimilarity",
    "photographic_variance_score",
    "photometric_stats",
    "prdc_statistics",
    "precision_recall_density_coverage",
    "pvs_statistic",
    "retrieval_saturated",
    "scd_statistic",
    "sdi_statistic",
    "slc_statistic",
    "slc_statistic_from_features",
    "spatial_dispersion_index",
    "spectral_covariance_distance",
    "style_label_coverage",
    "subsample_indices",
    "vendi_per_prompt",
    "vendi_score",
    "vendi_statistic",
]
