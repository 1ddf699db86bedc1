"""What every torch-backed extractor shares: device and dtype choice, and reading a batch of images.

Decoding and resizing are the only per-image work; they run on a thread pool (PIL and numpy release the
GIL), so the model sees whole batches. A failed image becomes its failure record, never an exception.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property, lru_cache
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..errors import ConfigError
from ..hashing import cached_file_sha256
from .base import FeatureRecord, ImageItem
from .images import load_rgb

DTYPES = ("float32", "float16", "bfloat16", "float64")


def choose_device(device: str | None) -> str:
    """``device`` as given, else ``cuda`` when available, else ``cpu`` (never a machine-specific default)."""
    import torch

    if device:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def choose_dtype(dtype: str | None, device: str, gpu_default: str) -> str:
    """[choice] Half precision on GPU (``gpu_default``), float32 on CPU where half is slow and inexact."""
    chosen = dtype or (gpu_default if device.startswith("cuda") else "float32")
    if chosen not in DTYPES:
        raise ConfigError(f"unknown dtype {chosen!r}", f"choose one of: {', '.join(DTYPES)}")
    return chosen


def torch_dtype(name: str):
    import torch

    return getattr(torch, name)


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1), thread_name_prefix="divgenbench-load")


def load_batch(items: Sequence[ImageItem]) -> tuple[list[np.ndarray | None], list[FeatureRecord | None]]:
    """(RGB uint8 arrays, failure records), aligned with ``items``; exactly one of the two is None per item."""
    loaded = list(_pool().map(lambda item: load_rgb(item.path), items))
    return [array for array, _ in loaded], [failure for _, failure in loaded]


def weight_path(local: Path | None, entry: str, what: str) -> Path:
    """A user-given weights file (which must exist), else the store's pinned file (``MissingWeightsError``)."""
    from ..errors import MissingWeightsError
    from ..store import resolve

    if local is None:
        return resolve(entry)
    if not local.is_file():
        raise MissingWeightsError(f"{what} {local} does not exist",
                                  f"pass an existing file, or omit it to use the weight store entry {entry!r}")
    return local


def weight_identity(local: Path | None, entry: str) -> tuple[str, str | None, str]:
    """(model id, revision, sha256) for a fingerprint: the store's pin, or the local file's own hash."""
    from ..store import get_weight, resolve

    if local is not None:
        return str(local), None, cached_file_sha256(local)
    weight = get_weight(entry)
    return f"{weight.hub_id}/{weight.filename}", weight.revision, weight.sha256 or cached_file_sha256(resolve(entry))


class SingleWeightFile:
    """Mixin for an extractor whose weights are one file: ``local_weights`` if given, else the store's entry."""

    weight_entry: ClassVar[str]
    weight_label: ClassVar[str]
    local_weights: Path | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "weight_entry" in cls.__dict__:
            cls.weight_entries = (cls.weight_entry,)

    def _set_local_weights(self, path: str | Path | None) -> None:
        self.local_weights = Path(path).expanduser() if path else None

    @classmethod
    def weights_status(cls) -> str:
        from ..store import status

        return f"{cls.weight_entry}: {status(cls.weight_entry)}"

    @cached_property
    def weights_file(self) -> Path:
        return weight_path(self.local_weights, self.weight_entry, self.weight_label)

    def _identity(self) -> tuple[str, str | None, str]:
        self.weights_file  # a missing file is the clear error, before hashing
        return weight_identity(self.local_weights, self.weight_entry)


def parallel_map(function, values: Sequence) -> list:
    """``function`` over ``values`` on the shared loading pool (per-image preprocessing)."""
    return list(_pool().map(function, values))
