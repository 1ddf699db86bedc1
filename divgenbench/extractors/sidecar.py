"""Per-run feature sidecars: ``RUN/features/<feature>.safetensors`` + ``<feature>.json``.

They travel with ``results.json`` so that a result can be re-scored, compared and re-rendered without
the images or any model. Ragged arrays (boxes) are stored concatenated with row offsets.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import DataError
from ..rundir import RunDir, atomic_write_bytes
from .base import FeatureRecord, Fingerprint, ImageItem

SIDECAR_VERSION = 1


def sidecar_paths(run: RunDir, feature: str) -> tuple[Path, Path]:
    return run.features_dir / f"{feature}.safetensors", run.features_dir / f"{feature}.json"


def save_feature_sidecar(run: RunDir, fingerprint: Fingerprint, items: Sequence[ImageItem],
                         records: Sequence[FeatureRecord]) -> None:
    from safetensors.numpy import save

    names = sorted({name for r in records for name in r.arrays})
    tensors: dict[str, np.ndarray] = {}
    trailing: dict[str, list[int]] = {}
    for name in names:
        parts, offsets = [], [0]
        for r in records:
            array = r.arrays.get(name)
            if array is not None:
                array = np.asarray(array)
                trailing[name] = list(array.shape[1:]) if array.ndim > 1 else []
                array = array.reshape(-1, *trailing[name]) if array.ndim else array.reshape(1)
                parts.append(array)
            offsets.append(offsets[-1] + (0 if array is None else array.shape[0]))
        tensors[name] = np.ascontiguousarray(np.concatenate(parts)) if parts else np.zeros(0)
        tensors[f"{name}.offsets"] = np.asarray(offsets, dtype=np.int64)
    index = {"version": SIDECAR_VERSION, "fingerprint": fingerprint.to_dict(), "trailing": trailing,
             "scalar": [n for n in names if all(np.asarray(r.arrays[n]).ndim == 0 for r in records if n in r.arrays)],
             "items": [{"key": i.key, "sha256": i.sha256, "prompt_id": i.prompt_id, "status": r.status,
                        "message": r.message} for i, r in zip(items, records, strict=True)]}
    safetensors_path, index_path = sidecar_paths(run, feature=fingerprint.feature)
    atomic_write_bytes(safetensors_path, save(tensors))
    atomic_write_bytes(index_path, (json.dumps(index) + "\n").encode())


class LoadedSidecar(NamedTuple):
    fingerprint: dict
    records: dict[str, FeatureRecord]  # image key → record
    sha256: dict[str, str]  # image key → sha256 of the image the record was made from


def load_feature_sidecar(run: RunDir, feature: str) -> LoadedSidecar:
    """A run's sidecar; a clear error when absent, corrupt or not shaped as this module writes it."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    safetensors_path, index_path = sidecar_paths(run, feature)
    fix = f"delete {index_path.parent} and run `divgenbench score {run.root}`"
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        tensors = load_file(str(safetensors_path))
    except FileNotFoundError as exc:
        raise DataError(f"run {run.root} has no {feature} features sidecar",
                        f"run `divgenbench score {run.root}` with the images present") from exc
    except (OSError, ValueError, RecursionError, SafetensorError) as exc:  # JSON/Unicode errors are ValueErrors
        raise DataError(f"{feature} features sidecar in {run.root} is corrupt ({exc})", fix) from exc
    try:
        records: dict[str, FeatureRecord] = {}
        hashes: dict[str, str] = {}
        for row, entry in enumerate(index["items"]):
            arrays = {}
            for name in index["trailing"]:
                lo, hi = tensors[f"{name}.offsets"][row:row + 2]
                if hi > lo or (entry["status"] == "ok" and name not in index["scalar"]):
                    value = tensors[name][lo:hi]
                    arrays[name] = value[0] if name in index["scalar"] else value
            records[str(entry["key"])] = FeatureRecord(str(entry["status"]), arrays, str(entry.get("message", "")))
            hashes[str(entry["key"])] = str(entry["sha256"])
        if not isinstance(index["fingerprint"], dict):
            raise TypeError("fingerprint is not an object")
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise DataError(f"{feature} features sidecar in {run.root} is not one this toolkit wrote "
                        f"({exc.__class__.__name__}: {exc})", fix) from exc
    return LoadedSidecar(index["fingerprint"], records, hashes)
