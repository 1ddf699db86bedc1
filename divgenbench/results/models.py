"""Results file v1 (SPEC §6) as pydantic models: one file per run, sidecars beside it.

Everything that moves a number is recorded (protocol choices, scoring choices, prompt-bank hash,
extractor fingerprints), so two results are comparable exactly when those parts agree. The JSON Schema
in ``schema/v1.json`` is exported from these models (``python -m divgenbench.results.schema``) and a test
fails when the two disagree.

Cross-field rules (a computed score has a finite value, an interval has low ≤ high, a rate lies in
[0, 1]) live in each sub-model's validator, so pydantic reports every broken part at once with its path.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator


from ..extractors.base import FingerprintFields
from ..prompts.vocab import RETIRED_BANK_SHA256

SCHEMA_VERSION = "1.0"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
GIT_HASH_PATTERN = r"^[0-9a-f]{7,40}$"
RANGE_SLACK = 1e-6  # float32 features: a mean cosine may land a few ulps past ±1

Direction = Literal["lower", "higher"]
ScoreStatus = Literal["computed", "not-computed", "undefined"]


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo in a submission must not pass silently."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Interval(StrictModel):
    """Percentile bootstrap interval over prompts (SPEC §4)."""

    low: float
    high: float
    confidence: float = Field(0.95, gt=0.0, lt=1.0)
    resamples: int = Field(1000, ge=1)
    seed: int = 0
    method: str = "percentile bootstrap over prompts"

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.low > self.high:
            raise ValueError(f"interval low {self.low} is above high {self.high}")
        return self


class ScoreValue(StrictModel):
    """A headline or quality score; ``status`` says why ``value`` may be missing."""

    name: str = Field(min_length=1, description="Display name, e.g. IDS")
    dimension: str | None = Field(None, description="id | style | layout | tonal; None for quality scores")
    value: float | None = None
    interval: Interval | None = None
    n: int = Field(0, ge=0, description="Sampling units (prompts) behind the value")
    direction: Direction
    status: ScoreStatus = "computed"
    reason: str | None = Field(None, description="Why the score is not computed or undefined")

    @model_validator(mode="after")
    def _consistent(self) -> ScoreValue:
        if self.status == "computed":
            if self.value is None:
                raise ValueError("a computed score needs a value")
        elif not self.reason:
            raise ValueError(f"a score with status {self.status!r} needs a reason")
        elif self.value is not None:
            raise ValueError(f"a score with status {self.status!r} must not carry a value")
        return self


class ModelInfo(StrictModel):
    name: str = Field(min_length=1, description="Registry name of the generator, e.g. flux-dev")
    adapter: str = Field(min_length=1, description="module:Class of the generator adapter")
    args: dict[str, str] = Field(default_factory=dict, description="--model-args as given")
    hub_id: str | None = None
    revision: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict, description="Resolution, steps, guidance, dtype, …")
    smoke: bool = False
    extra: dict[str, Any] = Field(default_factory=dict)


class ProtocolInfo(StrictModel):
    name: str = Field(min_length=1)
    images_per_prompt: dict[str, int]
    prompts_per_dimension: int = Field(ge=1)
    limit: int | None = Field(None, ge=1, description="--limit: K prompts per dimension (never ranked)")
    shard: str | None = None
    choices: dict[str, Any] = Field(default_factory=dict, description="Generation [choice]s: seed rule, selection")
    scoring: dict[str, Any] = Field(default_factory=dict,
                                    description="Scoring [choice]s that move a number: bootstrap, PVS ddof, …")

    @field_validator("images_per_prompt")
    @classmethod
    def _positive_counts(cls, counts: dict[str, int]) -> dict[str, int]:
        bad = {k: v for k, v in counts.items() if v < 1}
        if bad:
            raise ValueError(f"images per prompt must be at least 1, got {bad}")
        return counts


class PromptBankInfo(StrictModel):
    version: str = Field(min_length=1)
    sha256: str = Field(pattern=SHA256_PATTERN)
    source: str

    @field_validator("sha256")
    @classmethod
    def _not_retired(cls, sha256: str) -> str:
        """A retired bank's images answer prompts that were since rewritten: no score of it stands."""
        if sha256 in RETIRED_BANK_SHA256:
            raise ValueError(f"made on prompt bank sha256 {sha256[:12]}…, which is retired "
                             f"({RETIRED_BANK_SHA256[sha256]}): re-run on the current bundled bank")
        return sha256


class ExtractorInfo(FingerprintFields):
    """An extractor's fingerprint as recorded in results: the fields are ``extractors.base``'s, unchanged."""


class QualityScorerInfo(StrictModel):
    """What a quality score means (``quality.base.QualityInfo``) and the scorer's fingerprint."""

    name: str = Field(min_length=1, description="Display name, e.g. HPS-v2.1")
    full_name: str = ""
    scale: str = Field(min_length=1, description="e.g. raw cosine (paper scale ≈ 0.31)")
    range: tuple[float, float]
    direction: Direction = "higher"
    conventions: dict[str, Any] = Field(default_factory=dict, description="backbone, truncation, normalisation …")
    fingerprint: ExtractorInfo


class ReferenceInfo(StrictModel):
    """A reference feature set a score was measured against (ASC's WikiArt split)."""

    name: str = Field(min_length=1)
    features_sha256: str = Field(pattern=SHA256_PATTERN)
    fingerprint_digest: str = Field(min_length=1, description="digest of the extractor fingerprint that made it")
    train: int = Field(ge=1)
    test: int = Field(ge=1)
    source: dict[str, Any] = Field(default_factory=dict)


class SkippedImage(StrictModel):
    key: str
    reason: str
    message: str = ""


class FeatureOrigin(StrictModel):
    """Where one feature kind's records came from: computed on the scoring machine (now or earlier, through
    its feature cache) or imported from the run folder's own sidecars (``divgenbench score`` of a folder
    whose cache lacked them), which only whoever made the folder vouches for."""

    computed_here: int = Field(0, ge=0, description="images whose features this machine computed")
    imported: int = Field(0, ge=0, description="images whose features came from the run folder's sidecars")


class Diagnostics(StrictModel):
    images: dict[str, int] = Field(default_factory=dict, description="Images per dimension that were scored")
    face_detection_rate: float | None = Field(None, ge=0.0, le=1.0)
    count_accuracy: float | None = Field(None, ge=0.0, le=1.0)
    ids_within_group: float | None = Field(None, ge=-1.0, le=1.0)
    layout_per_prompt: dict[str, float] = Field(
        default_factory=dict, description="Layout prompt id → 1 − mean SimLayout over its image pairs")
    metrics: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="metric key → its other diagnostics (e.g. faces_detected)")
    skipped_images: list[SkippedImage] = Field(default_factory=list)
    feature_origins: dict[str, FeatureOrigin] = Field(
        default_factory=dict, description="feature kind → how many images' features were computed vs imported")
    notes: list[str] = Field(default_factory=list)


class Environment(StrictModel):
    python: str
    platform: str
    torch: str | None = None
    cuda: str | None = None
    gpu: str | None = None
    packages: dict[str, str] = Field(default_factory=dict)


class Toolkit(StrictModel):
    name: Literal["divgenbench"] = "divgenbench"
    version: str = Field(min_length=1)
    git_hash: str | None = Field(None, pattern=GIT_HASH_PATTERN)


class Results(StrictModel):
    """One evaluation run. ``smoke`` results (tiny models) are never ranked."""

    schema_version: str = Field(SCHEMA_VERSION, pattern=r"^1\.\d+$", description="1.x files read with this schema")
    toolkit: Toolkit
    created_utc: str = Field(default_factory=utc_now, description="UTC ISO-8601 time the file was written")
    smoke: bool = False
    model: ModelInfo
    protocol: ProtocolInfo
    prompt_bank: PromptBankInfo
    extractors: dict[str, ExtractorInfo] = Field(default_factory=dict, description="feature kind → fingerprint")
    references: dict[str, ReferenceInfo] = Field(default_factory=dict, description="feature kind → reference used")
    scores: dict[str, ScoreValue] = Field(default_factory=dict, description="metric key → value: ids, asc, sdi, pvs and any registered metric")
    quality: dict[str, ScoreValue] = Field(default_factory=dict, description="hps-v2.1, pickscore, … (Table 1)")
    quality_scorers: dict[str, QualityScorerInfo] = Field(default_factory=dict,
                                                          description="quality key → scale, conventions, fingerprint")
    diagnostics: Diagnostics = Field(default_factory=Diagnostics)
    environment: Environment
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per stage")
    sidecars: dict[str, str] = Field(default_factory=dict, description="Relative paths: samples, features")

    @field_validator("created_utc")
    @classmethod
    def _utc_iso(cls, value: str) -> str:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"not an ISO-8601 time: {value!r}") from exc
        if parsed.utcoffset() is None or parsed.utcoffset().total_seconds() != 0:
            raise ValueError(f"time must be UTC with an explicit offset (…+00:00), got {value!r}")
        return value

    @field_validator("scores")
    @classmethod
    def _within_metric_ranges(cls, scores: dict[str, ScoreValue], info: ValidationInfo) -> dict[str, ScoreValue]:
        """A headline score, and both ends of its interval, lie in its metric's range and point the metric's way.

        ASC's range is open above; its real bound is the style reference's N_train (IRS∞ ≤ 1 over a test
        IRS∞ ≥ 1/N_train), applied when the results name the reference. [choice] The value itself need not lie
        inside its percentile interval: for a biased statistic such as IRS∞, whose resamples repeat prompts,
        it legitimately may not. Bounds allow :data:`RANGE_SLACK` for float32 rounding (a cosine of 1 + 2e-16).
        """
        from ..metrics import METRICS  # the registry imports every metric module: only when there are scores

        problems = []
        for key, score in scores.items():
            metric = METRICS.get(key).info() if key in METRICS else None
            if metric is None:
                continue
            low, high = metric.range
            reference = (info.data.get("references") or {}).get("style-embedding") if key == "asc" else None
            if reference is not None:
                high = min(high, float(reference.train))
            if score.direction != metric.direction:
                problems.append(f"{key}: direction {score.direction!r}, but {metric.name} is "
                                f"{metric.direction}-is-better")
            ends = {"value": score.value}
            if score.interval is not None:
                ends.update(low=score.interval.low, high=score.interval.high)
            for name, number in ends.items():
                if number is not None and not low - RANGE_SLACK <= number <= high + RANGE_SLACK:
                    problems.append(f"{key}: {name} {number!r} is outside {metric.name}'s range [{low}, {high}]")
        if problems:
            raise ValueError("; ".join(problems))
        return scores

    @field_validator("timings")
    @classmethod
    def _non_negative(cls, timings: dict[str, float]) -> dict[str, float]:
        bad = [k for k, v in timings.items() if not math.isfinite(v) or v < 0]
        if bad:
            raise ValueError(f"timings must be non-negative seconds: {', '.join(bad)}")
        return timings

    def is_limited(self) -> bool:
        """True when only part of the protocol ran (a --limit or a shard): such runs are never ranked."""
        return self.protocol.limit is not None or self.protocol.shard is not None
