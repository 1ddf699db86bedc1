"""Paired bootstrap of a score difference between two runs on the same prompts (SPEC §4 "compare").

Both runs are resampled with the same prompt indices, so prompt difficulty cancels in the difference and the
interval is narrower than two independent intervals would suggest.
"""

from __future__ import annotations

from dataclasses import dataclass

from divgenbench.metrics.bootstrap import (
    CONFIDENCE,
    RESAMPLES,
    SEED,
    PromptStatistic,
    draw_counts,
    percentile_interval,
    resample_indices,
)


@dataclass(frozen=True)
class PairedDifference:
    """score(A) − score(B) with its percentile interval; significant when the interval excludes 0."""

    difference: float
    low: float
    high: float
    significant: bool
    n: int
    resamples: int
    seed: int
    confidence: float


def paired_bootstrap_difference(
    statistic_a: PromptStatistic,
    statistic_b: PromptStatistic,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> PairedDifference:
    """Compare two runs whose statistics are built on the same prompts in the same order (prompt p of A is
    prompt p of B); align them on shared prompt ids before building the statistics."""
    if statistic_a.n_prompts != statistic_b.n_prompts:
        raise ValueError(
            f"statistic_a and statistic_b must cover the same prompts, got {statistic_a.n_prompts} "
            f"and {statistic_b.n_prompts}"
        )
    counts = draw_counts(resample_indices(statistic_a.n_prompts, resamples, seed), statistic_a.n_prompts)
    low, high = percentile_interval(statistic_a.score_counts(counts) - statistic_b.score_counts(counts), confidence)
    return PairedDifference(
        difference=statistic_a.value() - statistic_b.value(),
        low=low,
        high=high,
        significant=bool(low > 0 or high < 0),
        n=statistic_a.n_prompts,
        resamples=resamples,
        seed=seed,
        confidence=confidence,
    )
