"""Results file v1 (SPEC §6) as pydantic models: one file per run, sidecars beside it.

Everything that moves a number is recorded (protocol choices, prompt-bank hash, extractor
fingerprints), so two results are comparable exactly when those parts agree.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

Direction = Literal["lower", "higher"]
ScoreStatus = Literal["computed", "not-computed", "undefined"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Interval(_Strict):
    """Percentile bootstrap interval over prompts (SPEC §4)."""

    low: float
    high: float
    confidence: float = 0.95
    resamples: int = 1000
    seed: int = 0
    method: str = "percentile bootstrap over prompts"


class ScoreValue(_Strict):
    """A headline or quality score; ``status`` says why ``value`` may be missing."""

    name: str
    dimension: str | None = None
    value: float | None = None
    interval: Interval | None = None
    n: int = 0
    direction: Direction
    status: ScoreStatus = "computed"
    reason: str | None = None


class ModelInfo(_Strict):
    name: str
    adapter: str
    args: dict[str, str] = Field(default_factory=dict)
    hub_id: str | None = None
    revision: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    smoke: bool = False
    extra: dict[str, Any] = Field(default_factory=dict)


class ProtocolInfo(_Strict):
    name: str
    images_per_prompt: dict[str, int]
    prompts_per_dimension: int
    limit: int | None = None
    shard: str | None = None
    choices: dict[str, Any] = Field(default_factory=dict)


class PromptBankInfo(_Strict):
    version: str
    sha256: str
    source: str


class ExtractorInfo(_Strict):
    extractor: str
    feature: str
    model_id: str | None = None
    revision: str | None = None
    weights_sha256: str | None = None
    preprocessing: dict[str, Any] = Field(default_factory=dict)
    dtype: str
    code_version: str
    smoke: bool = False


class SkippedImage(_Strict):
    key: str
    reason: str
    message: str = ""


class Diagnostics(_Strict):
    images: dict[str, int] = Field(default_factory=dict)
    face_detection_rate: float | None = None
    count_accuracy: float | None = None
    ids_within_group: float | None = None
    skipped_images: list[SkippedImage] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class Environment(_Strict):
    python: str
    platform: str
    torch: str | None = None
    cuda: str | None = None
    gpu: str | None = None
    packages: dict[str, str] = Field(default_factory=dict)


class Toolkit(_Strict):
    name: str = "divgenbench"
    version: str
    git_hash: str | None = None


class Results(_Strict):
    """One evaluation run. ``smoke`` results (tiny models) are never ranked."""

    schema_version: str = SCHEMA_VERSION
    toolkit: Toolkit
    created_utc: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    smoke: bool = False
    model: ModelInfo
    protocol: ProtocolInfo
    prompt_bank: PromptBankInfo
    extractors: dict[str, ExtractorInfo] = Field(default_factory=dict)
    scores: dict[str, ScoreValue] = Field(default_factory=dict)
    quality: dict[str, ScoreValue] = Field(default_factory=dict)
    diagnostics: Diagnostics = Field(default_factory=Diagnostics)
    environment: Environment
    timings: dict[str, float] = Field(default_factory=dict)
    sidecars: dict[str, str] = Field(default_factory=dict)
