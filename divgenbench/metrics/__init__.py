"""Diversity metrics of SPEC §4: pure numpy/scipy functions on feature arrays (no model loading, no torch),
and the metric plug-ins (one module each, registry ``METRICS``, entry-point group ``divgenbench.metrics``)."""

from divgenbench.registry import Registry

from divgenbench.metrics.bootstrap import BootstrapResult, PromptStatistic, bootstrap_interval
from divgenbench.metrics.compare import PairedDifference, paired_bootstrap_difference
from divgenbench.metrics.ids import (
    GroupedIdentityDivergence,
    identity_divergence_score,
    identity_divergence_within_groups,
    ids_statistic,
)
from divgenbench.metrics.base import Metric, MetricInfo
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

METRICS: Registry[type[Metric]] = Registry("metrics", base=Metric)
METRICS.register("ids", "divgenbench.metrics.ids:IdsMetric")
METRICS.register("asc", "divgenbench.metrics.asc:AscMetric")
METRICS.register("sdi", "divgenbench.metrics.sdi:SdiMetric")
METRICS.register("pvs", "divgenbench.metrics.pvs:PvsMetric")

#: the order of the four SPEC scores in tables; other metrics follow alphabetically
SPEC_ORDER = ("ids", "asc", "sdi", "pvs")


def metric_keys(ranked_only: bool = False) -> list[str]:
    """Registered metric keys in table order (SPEC's four first); ``ranked_only``: the leaderboard's."""
    keys = sorted(METRICS.names(), key=lambda k: (SPEC_ORDER.index(k) if k in SPEC_ORDER else len(SPEC_ORDER), k))
    return [k for k in keys if not ranked_only or METRICS.get(k).ranked]


def metric_info(ranked_only: bool = False) -> dict[str, MetricInfo]:
    """key → what the metric means, for every registered metric (or the ranked ones)."""
    return {key: METRICS.get(key).info() for key in metric_keys(ranked_only)}


__all__ = [
    "METRICS",
    "Metric",
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
    "metric_info",
    "metric_keys",
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
