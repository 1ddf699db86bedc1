"""Diversity metrics of SPEC §4 and the reference-relative and style-label extras of §8: pure numpy/scipy
functions on feature arrays (no model loading, no torch), and the metric plug-ins (one module each, registry
``METRICS``, entry-point group ``divgenbench.metrics``)."""

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

METRICS: Registry[type[Metric]] = Registry("metrics", base=Metric)
METRICS.register("ids", "divgenbench.metrics.ids:IdsMetric")
METRICS.register("asc", "divgenbench.metrics.asc:AscMetric")
METRICS.register("sdi", "divgenbench.metrics.sdi:SdiMetric")
METRICS.register("pvs", "divgenbench.metrics.pvs:PvsMetric")
# SPEC §8 extras, unranked: style label coverage for every run; the rest against --reference-run
METRICS.register("slc", "divgenbench.metrics.slc:SlcMetric")
for _dimension, _label in (("id", "Id"), ("style", "Style"), ("tonal", "Tonal")):
    METRICS.register(f"scd-{_dimension}", f"divgenbench.metrics.scd:Scd{_label}")
    METRICS.register(f"vendi-{_dimension}", f"divgenbench.metrics.vendi:Vendi{_label}")
    for _number in ("precision", "recall", "density", "coverage"):
        METRICS.register(f"prdc-{_number}-{_dimension}", f"divgenbench.metrics.prdc:{_number.title()}{_label}")

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
