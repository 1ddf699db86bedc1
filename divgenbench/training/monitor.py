"""A diversity monitor for any trainer: every K steps, evaluate the *current* weights on a small fixed subset of
the ``quick`` protocol and log IDS, SDI, PVS, style label coverage (and ASC where it is not saturated) with their
intervals — preference mode collapse seen while it happens (SPEC §8: SLC stays informative at n = 100).

It needs no checkpoint: the live pipeline is handed to ``divgenbench.pipeline.evaluate(config, model=pipe)``,
which generates into a scratch run folder (the feature cache is shared, so unchanged images cost nothing) and
returns typed Results. Any trainer can call it::

    monitor = DiversityMonitor(pipe, "runs/my-train/monitor", every=50)
    for step in range(steps):
        ...optimizer.step()...
        values = monitor.maybe(step)          # {} on steps it skips
        log.log(2, step, values)              # or wandb.log(values, step=step)

[choice] The subset is the first ``prompts_per_dimension`` evenly spaced prompts of each dimension (``--limit``),
bootstrap resamples 200 (enough to see a trend; the final evaluation uses the protocol's 1,000); no quality
scorers (diversity is what the monitor is for; the trainer logs its reward).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError

#: The scores the monitor logs, in order; a score a run does not compute is left out.
MONITORED_SCORES = ("ids", "sdi", "pvs", "slc", "asc")
MONITOR_RESAMPLES = 200

#: (pipeline, run folder) → Results
EvaluateLive = Callable[[Any, Path], Any]


def monitor_values(scores: Mapping[str, Any], keys: tuple[str, ...] = MONITORED_SCORES,
                   saturated: frozenset[str] = frozenset()) -> dict[str, float]:
    """Flatten Results.scores to ``{key: value, key_low: …, key_high: …}`` for the computed scores, leaving out
    those flagged ``saturated`` (ASC at k = n, SPEC §8: the value carries little information)."""
    values: dict[str, float] = {}
    for key in keys:
        score = scores.get(key)
        if score is None or getattr(score, "value", None) is None or key in saturated:
            continue
        values[key] = float(score.value)
        if score.interval is not None:
            values[f"{key}_low"] = float(score.interval.low)
            values[f"{key}_high"] = float(score.interval.high)
    return values


def saturated_scores(results: Any) -> frozenset[str]:
    """Metric keys whose diagnostics say ``saturated`` (results.diagnostics.metrics[key]["saturated"])."""
    metrics = getattr(getattr(results, "diagnostics", None), "metrics", None) or {}
    return frozenset(key for key, found in metrics.items() if found.get("saturated"))


def live_evaluate(protocol: str, prompts_per_dimension: int, extractor_set: str | None,
                  settings: Any = None) -> EvaluateLive:
    """The default evaluation: the toolkit's ``evaluate`` on a live pipeline (no model is loaded from disk)."""
    from ..generators.base import GenerationSettings
    from ..pipeline import EvalConfig, evaluate

    if "model" not in inspect.signature(evaluate).parameters:
        raise ConfigError("the diversity monitor needs live-model evaluation (evaluate(config, model=pipeline)), "
                          "which this divgenbench does not have yet",
                          "set monitor.every: 0, or update divgenbench to a version with live evaluate")

    def run(pipe, folder: Path):
        config = EvalConfig(output=Path(folder), protocol=protocol, limit=prompts_per_dimension,
                            extractor_set=extractor_set, resamples=MONITOR_RESAMPLES, quality=(),
                            settings=settings or GenerationSettings())
        return evaluate(config, model=pipe)

    return run


class DiversityMonitor:
    """Evaluates ``pipe`` (whose weights the trainer updates in place) every ``every`` steps."""

    def __init__(self, pipe, folder: Path | str, *, every: int, protocol: str = "quick",
                 prompts_per_dimension: int = 4, extractor_set: str | None = None, settings: Any = None,
                 evaluate: EvaluateLive | None = None):
        if every < 1:
            raise ConfigError(f"monitor every={every} must be at least 1", "pass how many steps between checks")
        self.pipe = pipe
        self.folder = Path(folder)
        self.every = every
        self.evaluate = evaluate or live_evaluate(protocol, prompts_per_dimension, extractor_set, settings)

    def due(self, step: int) -> bool:
        return (step + 1) % self.every == 0

    def __call__(self, step: int) -> dict[str, float]:
        """Evaluate now (whatever the step) and return the flattened scores."""
        import torch

        transformer = getattr(self.pipe, "transformer", None)
        training = transformer is not None and transformer.training
        if training:
            transformer.eval()
        try:
            with torch.no_grad():
                results = self.evaluate(self.pipe, self.folder / f"step{step:06d}")
        finally:
            if training:
                transformer.train()
        return monitor_values(results.scores, saturated=saturated_scores(results))

    def maybe(self, step: int) -> dict[str, float]:
        return self(step) if self.due(step) else {}
