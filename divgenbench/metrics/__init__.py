"""Diversity scores of SPEC §4 as pure numpy/scipy functions on feature arrays (no model loading, no torch)."""

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
    asc_statistic,
    image_retrieval_score,
)
from divgenbench.metrics.pvs import photographic_variance_score, photometric_stats, pvs_statistic
from divgenbench.metrics.sdi import (
    count_accuracy,
    layout_similarity,
    per_prompt_layout_dissimilarity,
    sdi_statistic,
    spatial_dispersion_index,
)
from divgenbench.metrics.streaming import (
    IdentityDivergence,
    PhotographicVariance,
    SpatialDispersion,
    StyleCoverage,
)

__all__ = [
    "METRIC_INFO",
    "BootstrapResult",
    "GroupedIdentityDivergence",
    "IdentityDivergence",
    "MetricInfo",
    "PairedDifference",
    "PhotographicVariance",
    "PromptStatistic",
    "RetrievalReference",
    "SpatialDispersion",
    "StyleCoverage",
    "artistic_style_coverage",
    "asc_statistic",
    "bootstrap_interval",
    "count_accuracy",
    "identity_divergence_score",
    "identity_divergence_within_groups",
    "ids_statistic",
    "image_retrieval_score",
    "layout_similarity",
    "paired_bootstrap_difference",
    "per_prompt_layout_dissimilarity",
    "photographic_variance_score",
    "photometric_stats",
    "pvs_statistic",
    "sdi_statistic",
    "spatial_dispersion_index",
]
