"""The feature contract between extractors and metrics.

An extractor turns images into named arrays of one *feature kind* and says exactly how (its
fingerprint); metrics only ever see arrays. Every image gets a record, also when it fails: the
status says why (``no-face``, ``unreadable``), so runs go on and diagnostics can count.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..images import IMAGE_DECODING_VERSION

#: Feature kinds and what one record's arrays hold.
FEATURE_KINDS: dict[str, str] = {
    "face-embedding": "embedding (d,) float32, L2-normalised; bbox (4,), det_score () of the largest face",
    "style-embedding": "embedding (d,) float32, L2-normalised",
    "boxes": "boxes (k, 4) xyxy in [0, 1], scores (k,)",
    "photometric": "stats (3,) float64: mean HSV saturation, mean max(R,G,B), grayscale std",
}
OK = "ok"



@dataclass(frozen=True)
class ImageItem:
    """One image to extract from: ``key`` is unique in the run, ``sha256`` keys the feature cache."""

    key: str
    path: Path
    sha256: str
    dimension: str
    prompt_id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""  # the prompt text: quality scorers rate the image against it


@dataclass
class FeatureRecord:
    """What an extractor says about one image: ``status`` is ``ok`` or the reason there are no arrays."""

    status: str
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


class FingerprintFields(BaseModel):
    """What moves an extractor's numbers: the one definition of the fields and their checks.

    Defined here, below the results schema, so that the feature contract (cache keys, built references) does
    not change when the results file does; ``results.models.ExtractorInfo`` embeds these fields as they are.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    extractor: str = Field(min_length=1)
    feature: str = Field(min_length=1)
    model_id: str | None = None
    revision: str | None = None
    weights_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    preprocessing: dict[str, Any] = Field(default_factory=dict)
    dtype: str
    code_version: str
    image_decoding: str | None = Field(None, description="images.decode_rgb version (absent in files before it)")
    smoke: bool = False

    @field_validator("preprocessing")
    @classmethod
    def _json_values(cls, preprocessing: dict[str, Any]) -> dict[str, Any]:
        """Stored as JSON holds it (tuples become lists), so a fingerprint equals itself read back from a file."""
        return json.loads(json.dumps(preprocessing))


class Fingerprint(FingerprintFields):
    """An extractor's fingerprint: two results compare only when these agree; its digest keys the cache.

    Adds defaults, positional construction and the digest to the fields; the decoding version is always set.
    """

    model_config = ConfigDict(frozen=True)

    dtype: str = "float32"
    code_version: str = "1"
    image_decoding: str | None = IMAGE_DECODING_VERSION

    def __init__(self, extractor: str, feature: str, model_id: str | None = None, revision: str | None = None,
                 weights_sha256: str | None = None, **fields: Any) -> None:
        super().__init__(extractor=extractor, feature=feature, model_id=model_id, revision=revision,
                         weights_sha256=weights_sha256, **fields)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()

    @property
    def digest(self) -> str:
        """Short stable hash of the fingerprint: part of every feature-cache key."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def content_key(image_sha256: str, query: str | None) -> str:
    """The 64-hex key that caches and de-duplicates one (image, query) pair.

    Without a query it is the image's sha256 itself (caches written before queries stay valid); with one it
    is sha256(image sha256 + NUL + query), so one image asked about three classes gets three records.
    """
    if query is None:
        return image_sha256
    return hashlib.sha256(f"{image_sha256}\0{query}".encode()).hexdigest()


class Extractor(ABC):
    """Batched feature extraction for one feature kind. Subclasses set ``name`` and ``feature``."""

    name: ClassVar[str]
    feature: ClassVar[str]

    def query(self, item: ImageItem) -> str | None:
        """What the features of ``item`` depend on besides its pixels (a detector's class name, a quality
        scorer's prompt text), or None. The cache and de-duplication key on (image sha256, query)."""
        return None

    @abstractmethod
    def fingerprint(self) -> Fingerprint:
        """How this extractor computes its features (weights hash, preprocessing, dtype)."""

    @abstractmethod
    def extract(self, items: Sequence[ImageItem]) -> list[FeatureRecord]:
        """One record per item, in order, whatever goes wrong with any single image."""

    @classmethod
    def weights_status(cls) -> str:
        """Short text for ``divgenbench models ls``."""
        return "n/a"

    @classmethod
    def required_weights(cls) -> tuple[str, ...]:
        """Weight-store entries that must be on disk before a run uses this extractor (checked before the
        first image); smoke extractors build theirs in code. Set ``weight_entries`` to declare them."""
        return () if getattr(cls, "smoke", False) else tuple(getattr(cls, "weight_entries", ()))
