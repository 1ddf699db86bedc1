"""Per-run feature sidecars: ``RUN/features/<feature>.safetensors`` + ``<feature>.json``.

They travel with ``results.json`` so that a result can be re-scored, compared and re-rendered without
the images or any model. Ragged arrays (boxes) are stored concatenated with row offsets.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..extractors.base import FeatureRecord, Fingerprint, ImageItem, content_key
from ..extractors.cache import SHA256_PATTERN, FeatureCache
from . import RunDir, atomic_write_bytes

SIDECAR_VERSION = 1


def sidecar_paths(run: RunDir, feature: str) -> tuple[Path, Path]:
    return run.features_dir / f"{feature}.safetensors", run.features_dir / f"{feature}.json"


def save_feature_sidecar(run: RunDir, fingerprint: Fingerprint, items: Sequence[ImageItem],
                         records: Sequence[FeatureRecord], queries: Sequence[str | None] | None = None,
                         sidecar: str | None = None) -> None:
    """Write one feature's records of ``items``; ``queries`` are the query-dependent extractor's texts
    (class names, prompts), kept so that importing the sidecar into the cache keys each record right.
    ``sidecar`` (default: the feature kind) names the files: each quality scorer has its own."""
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
                        "message": r.message, **({"query": q} if q is not None else {})}
                       for i, r, q in zip(items, records, queries or [None] * len(items), strict=True)]}
    safetensors_path, index_path = sidecar_paths(run, feature=sidecar or fingerprint.feature)
    atomic_write_bytes(safetensors_path, save(tensors))
    atomic_write_bytes(index_path, (json.dumps(index) + "\n").encode())


def load_feature_sidecar(run: RunDir, feature: str) -> tuple[dict, dict[str, FeatureRecord]]:
    """(fingerprint dict, key → record) from a run's sidecar; a clear error when absent or corrupt."""
    from safetensors.numpy import load_file

    safetensors_path, index_path = sidecar_paths(run, feature)
    try:
        index = json.loads(index_path.read_text())
        tensors = load_file(str(safetensors_path))
    except FileNotFoundError as exc:
        raise DataError(f"run {run.root} has no {feature} features sidecar",
                        f"run `divgenbench score {run.root}` with the images present") from exc
    except (OSError, ValueError, json.JSONDecodeError) as exc:
        raise DataError(f"{feature} features sidecar in {run.root} is corrupt ({exc})",
                        f"delete {index_path.parent} and run `divgenbench score {run.root}`") from exc
    records: dict[str, FeatureRecord] = {}
    for row, entry in enumerate(index["items"]):
        arrays = {}
        for name in index["trailing"]:
            lo, hi = tensors[f"{name}.offsets"][row:row + 2]
            if hi > lo or (entry["status"] == "ok" and name not in index["scalar"]):
                value = tensors[name][lo:hi]
                arrays[name] = value[0] if name in index["scalar"] else value
        records[entry["key"]] = FeatureRecord(entry["status"], arrays, entry.get("message", ""))
    return index["fingerprint"], records


def import_run_sidecars(run: RunDir, cache: FeatureCache | None = None) -> int:
    """Put a run's feature sidecars into the cache, so rescoring needs no model even on a fresh machine."""
    cache = cache or FeatureCache()
    imported = 0
    for index_path in sorted(run.features_dir.glob("*.json")) if run.features_dir.exists() else []:
        feature = index_path.stem
        try:
            fingerprint_dict, records = load_feature_sidecar(run, feature)
            keys = {entry["key"]: content_key(entry["sha256"], entry.get("query"))
                    for entry in json.loads(index_path.read_text())["items"]
                    if SHA256_PATTERN.match(entry.get("sha256") or "")}
            fingerprint = Fingerprint(**fingerprint_dict)
        except (DataError, KeyError, TypeError, ValueError, json.JSONDecodeError):
            continue  # not a sidecar this version can read: the features are recomputed instead
        present = cache.cached(fingerprint)
        imported += cache.put_many(fingerprint, {keys[key]: record for key, record in records.items()
                                                 if key in keys and keys[key] not in present})
    return imported
