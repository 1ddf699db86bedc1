"""``compare``: is run A's score really different from run B's? A paired bootstrap over shared prompts.

Both runs are re-scored from their feature sidecars (no images, no models): per score, the FeatureTables
of A and B are restricted to the same prompts in the same order, each score builds its PromptStatistic,
and ``paired_bootstrap_difference`` resamples the same prompt indices for both.

[choice] Shared prompts are those whose images *all* have features in both runs (a face-less ID image or
an unreadable one drops its prompt from both sides), so prompt p of A is always prompt p of B.
Each run's recorded values must agree with its own sidecars first (a results file edited by hand, or
sidecars swapped from another run, would otherwise compare one thing and display another): the score's
point value is recomputed from the sidecar features and must equal the recorded one to
:data:`SIDECAR_TOLERANCE`.
[choice] Runs are comparable only when protocol (name, images per prompt, generation and scoring
choices, bootstrap settings aside), prompt bank and the fingerprints of every shared extractor agree;
otherwise ``compare`` refuses and lists every difference.

Quality scores (HPS-v2.1, PickScore, …) are compared the same way, below the diversity rows: each run's
per-image scores from its quality sidecar, checked against its recorded mean, paired over shared prompts,
the mean over images resampled by prompt. [choice] A quality score both runs hold but scored with other
weights or preprocessing (different fingerprints) gets a row with the reason rather than refusing the whole
comparison: quality scorers are independent of each other and of the diversity scores.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DataError
from .metrics.bootstrap import CONFIDENCE, RESAMPLES, SEED
from .metrics.compare import PairedDifference, paired_bootstrap_difference
from .metrics import METRICS
from .metrics.base import FeatureTable, MetricContext
from .quality.base import quality_statistic
from .reference import StyleReferenceLoader
from .results.choices import INTERVAL_ONLY
from .results.models import Results, ScoreValue
from .results.sidecars import LoadedRun, open_run

#: relative tolerance between a recorded value and the one recomputed from the sidecars (float32 features
#: summed in one order both times: in practice the two are identical)
SIDECAR_TOLERANCE = 1e-6


def differences(a: Any, b: Any, path: str) -> list[str]:
    """Dotted paths of the leaves where ``a`` and ``b`` differ, with both values."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return [d for key in sorted(set(a) | set(b), key=str)
                for d in differences(a.get(key), b.get(key), f"{path}.{key}")]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def comparability_problems(a: Results, b: Results) -> list[str]:
    """Everything that makes A's and B's numbers incomparable (empty: they may be compared)."""
    protocol_a, protocol_b = (r.protocol.model_dump(include={"name", "images_per_prompt", "choices", "scoring"})
                              for r in (a, b))
    for protocol in (protocol_a, protocol_b):
        protocol["scoring"] = {k: v for k, v in protocol["scoring"].items() if k not in INTERVAL_ONLY}
    problems = differences(protocol_a, protocol_b, "protocol")
    problems += differences(a.prompt_bank.model_dump(include={"version", "sha256"}),
                            b.prompt_bank.model_dump(include={"version", "sha256"}), "prompt_bank")
    for feature in sorted(set(a.extractors) & set(b.extractors)):
        problems += differences(a.extractors[feature].model_dump(), b.extractors[feature].model_dump(),
                                f"extractors.{feature}")
    for feature in sorted(set(a.references) & set(b.references)):
        problems += differences(a.references[feature].features_sha256, b.references[feature].features_sha256,
                                f"references.{feature}.features_sha256")
    return problems


def comparison_context(a: Results, resamples: int, seed: int) -> MetricContext:
    """Bootstrap settings plus, for ASC, the very style reference run A was scored against."""
    style = a.extractors.get("style-embedding")
    used = a.references.get("style-embedding")
    loader = StyleReferenceLoader(style.extractor, used.name if used else None) if style else None
    return MetricContext(resamples=resamples, seed=seed, style_reference=loader)


@dataclass(frozen=True)
class ScoreComparison:
    """One score of A against B; ``difference`` is None when it could not be compared (``reason``)."""

    key: str
    name: str
    direction: str
    value_a: float | None
    value_b: float | None
    difference: PairedDifference | None
    reason: str | None = None

    @property
    def better(self) -> str | None:
        """'A' or 'B' when the difference is significant, else None."""
        d = self.difference
        if d is None or not d.significant:
            return None
        a_higher = d.difference > 0
        return "A" if a_higher == (self.direction == "higher") else "B"


@dataclass(frozen=True)
class Comparison:
    a: LoadedRun
    b: LoadedRun
    rows: list[ScoreComparison]
    resamples: int
    seed: int
    confidence: float


def shared_prompts(table_a: FeatureTable, table_b: FeatureTable) -> list[str]:
    """Prompts whose images all have features in both tables, in A's order."""
    def complete(table: FeatureTable) -> dict[str, bool]:
        ok: dict[str, bool] = {}
        for item, record in zip(table.items, table.records):
            ok[item.prompt_id] = ok.get(item.prompt_id, True) and record.ok
        return ok

    complete_a, complete_b = complete(table_a), complete(table_b)
    return [p for p, ok in complete_a.items() if ok and complete_b.get(p, False)]


def aligned(table: FeatureTable, prompts: list[str]) -> FeatureTable:
    """``table`` restricted to ``prompts`` with its rows ordered as ``prompts`` (then by image key)."""
    order = {p: i for i, p in enumerate(prompts)}
    restricted = table.restrict(prompts)
    rows = sorted(range(len(restricted.items)),
                  key=lambda i: (order[restricted.items[i].prompt_id], restricted.items[i].key))
    return FeatureTable([restricted.items[i] for i in rows], [restricted.records[i] for i in rows])


def compare_score(key: str, a: LoadedRun, b: LoadedRun, context: MetricContext, confidence: float) -> ScoreComparison:
    value_a, value_b = (r.results.scores.get(key) for r in (a, b))
    known = value_a or value_b
    row = dict(key=key, name=known.name, direction=known.direction,
               value_a=value_a.value if value_a else None, value_b=value_b.value if value_b else None)
    if key not in METRICS:
        return ScoreComparison(**row, difference=None, reason=f"metric plug-in {key!r} is not installed")
    score = METRICS.get(key)()
    missing = [label for label, v in (("A", value_a), ("B", value_b)) if v is None or v.status != "computed"]
    if missing:
        return ScoreComparison(**row, difference=None, reason=f"not computed in {' and '.join(missing)}")
    table_a = a.feature_table(score.feature, score.dimensions)
    table_b = b.feature_table(score.feature, score.dimensions)
    if not score.needs_reference_run:  # those were computed against the run's own reference run's features
        for run, table, recorded in ((a, table_a, value_a), (b, table_b, value_b)):
            check_against_sidecars(run, recorded, lambda table=table: score.statistic(table, context).value())
    prompts = shared_prompts(table_a, table_b)
    if not prompts:
        return ScoreComparison(**row, difference=None, reason="no shared prompts with features in both runs")
    try:
        statistic_a = score.statistic(aligned(table_a, prompts), context)
        statistic_b = score.statistic(aligned(table_b, prompts), context)
        difference = paired_bootstrap_difference(statistic_a, statistic_b, resamples=context.resamples,
                                                 seed=context.seed, confidence=confidence)
    except ValueError as exc:  # Undefined on the shared prompts, or a metric's own input check
        return ScoreComparison(**row, difference=None, reason=str(exc))
    return ScoreComparison(**row, difference=difference)


def compare_quality(key: str, a: LoadedRun, b: LoadedRun, context: MetricContext,
                    confidence: float) -> ScoreComparison:
    """Quality scorer ``key`` of A against B: paired bootstrap of the mean per-image score over shared prompts."""
    value_a, value_b = (r.results.quality.get(key) for r in (a, b))
    known = value_a or value_b
    row = dict(key=key, name=known.name, direction=known.direction,
               value_a=value_a.value if value_a else None, value_b=value_b.value if value_b else None)
    missing = [label for label, v in (("A", value_a), ("B", value_b)) if v is None or v.status != "computed"]
    if missing:
        return ScoreComparison(**row, difference=None, reason=f"not computed in {' and '.join(missing)}")
    scorers = [r.results.quality_scorers.get(key) for r in (a, b)]
    if None in scorers or scorers[0].fingerprint != scorers[1].fingerprint:
        return ScoreComparison(**row, difference=None, reason="scored with other weights or preprocessing")
    tables = [a.quality_table(key), b.quality_table(key)]
    for run, table, recorded in ((a, tables[0], value_a), (b, tables[1], value_b)):
        check_against_sidecars(run, recorded, lambda table=table: quality_statistic(table)[0].value())
    prompts = shared_prompts(*tables)
    if not prompts:
        return ScoreComparison(**row, difference=None, reason="no shared prompts scored in both runs")
    statistic_a, statistic_b = (quality_statistic(aligned(table, prompts))[0] for table in tables)
    difference = paired_bootstrap_difference(statistic_a, statistic_b, resamples=context.resamples,
                                             seed=context.seed, confidence=confidence)
    return ScoreComparison(**row, difference=difference)


def _unused_reference_metric(key: str, a: LoadedRun, b: LoadedRun) -> bool:
    """A reference-relative metric neither run was scored with (no --reference-run): not worth a row."""
    statuses = {r.results.scores[key].status for r in (a, b) if key in r.results.scores}
    return key in METRICS and METRICS.get(key).needs_reference_run and statuses == {"not-computed"}


def check_against_sidecars(run: LoadedRun, recorded: ScoreValue, recompute: Callable[[], float]) -> None:
    """Refuse a run whose recorded value is not what its own sidecar features give (``recompute``: the
    score's point value from them)."""
    try:
        recomputed: float | None = recompute()
    except ValueError:  # Undefined on the sidecar's features
        recomputed = None
    if recomputed is None or not math.isclose(recomputed, recorded.value, rel_tol=SIDECAR_TOLERANCE,
                                              abs_tol=1e-12):
        raise DataError(f"{run.results_file} records {recorded.name} = {recorded.value!r}, but its own "
                        f"sidecars in {run.run.features_dir} give {recomputed!r}",
                        f"re-score the run so results and sidecars agree: `divgenbench score {run.run.root}`")


def compare_runs(path_a: Path | str, path_b: Path | str, *, resamples: int = RESAMPLES, seed: int = SEED,
                 confidence: float = CONFIDENCE, context: MetricContext | None = None,
                 reference_run: Path | str | None = None) -> Comparison:
    """Paired comparison of every score of two runs (run directories or results.json files): diversity scores,
    then quality scores.

    Reference-relative metrics (SCD, Vendi, PRDC) compare A and B through the features of ``reference_run``;
    without it they are listed with the reason.
    """
    a, b = open_run(path_a), open_run(path_b)
    problems = comparability_problems(a.results, b.results)
    if problems:
        raise DataError(f"cannot compare {a.results_file} and {b.results_file}: they differ in "
                        + "; ".join(problems),
                        "compare runs made with the same protocol, prompt bank and extractors")
    context = context or comparison_context(a.results, resamples, seed)
    if reference_run is not None:
        from .pipeline import reference_features

        metrics = [METRICS.get(key)() for key in METRICS.names()]
        context.reference_features = reference_features(Path(reference_run), metrics)
    keys = [key for key in dict.fromkeys([*a.results.scores, *b.results.scores])
            if not _unused_reference_metric(key, a, b)]
    rows = [compare_score(key, a, b, context, confidence) for key in keys]
    rows += [compare_quality(key, a, b, context, confidence)
             for key in dict.fromkeys([*a.results.quality, *b.results.quality])]
    return Comparison(a, b, rows, context.resamples, context.seed, confidence)
