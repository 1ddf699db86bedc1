"""Per-run feature sidecars: ``RUN/features/<feature>.safetensors`` + ``<feature>.json``.

They travel with ``results.json`` so that a result can be re-scored, compared and re-rendered without
the images or any model. Ragged arrays (boxes) are stored concatenated with row offsets.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import DataError
from ..extractors.base import FeatureRecord, Fingerprint, ImageItem, content_key
from . import RunDir, atomic_write_bytes

log = logging.getLogger(__name__)

SIDECAR_VERSION = 1


def sidecar_paths(run: RunDir, feature: str) -> tuple[Path, Path]:
    return run.features_dir / f"{feature}.safetensors", run.features_dir / f"{feature}.json"


def save_feature_sidecar(run: RunDir, fingerprint: Fingerprint, items: Sequence[ImageItem],
                         records: Sequence[FeatureRecord], queries: Sequence[str | None] | None = None,
                         sidecar: str | None = None) -> None:
    """Write one feature's records of ``items``; ``queries`` are the query-dependent extractor's texts
    (class names, prompts), kept so that a rescoring of this run keys each imported record right.
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


class LoadedSidecar(NamedTuple):
    fingerprint: dict
    records: dict[str, FeatureRecord]  # image key → record
    sha256: dict[str, str]  # image key → sha256 of the image the record was made from
    queries: dict[str, str | None]  # image key → the query-dependent extractor's text (None: none)


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
        queries: dict[str, str | None] = {}
        for row, entry in enumerate(index["items"]):
            arrays = {}
            for name in index["trailing"]:
                lo, hi = tensors[f"{name}.offsets"][row:row + 2]
                if hi > lo or (entry["status"] == "ok" and name not in index["scalar"]):
                    value = tensors[name][lo:hi]
                    arrays[name] = value[0] if name in index["scalar"] else value
            key = str(entry["key"])
            records[key] = FeatureRecord(str(entry["status"]), arrays, str(entry.get("message", "")))
            hashes[key] = str(entry["sha256"])
            queries[key] = None if entry.get("query") is None else str(entry["query"])
        if not isinstance(index["fingerprint"], dict):
            raise TypeError("fingerprint is not an object")
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise DataError(f"{feature} features sidecar in {run.root} is not one this toolkit wrote "
                        f"({exc.__class__.__name__}: {exc})", fix) from exc
    return LoadedSidecar(index["fingerprint"], records, hashes, queries)


@dataclass
class ImportedFeatures:
    """A run folder's own sidecar features, trusted for that run only and only for unchanged images.

    Whoever sent the folder could have edited its sidecars, so these records never enter the machine's
    cache (where they would change the scores of later, independent evaluations of the same images) and
    never replace a record computed here: the pipeline asks the cache first, then this, then the model.
    A record is kept only when the sidecar's image sha256 for its key equals the sha256 of the image as it
    is hashed now, so replaced images are extracted again. :meth:`served` says which content keys were used,
    and results record the count (``diagnostics.feature_origins``).
    """

    #: fingerprint digest → content key (image sha256, or with its query) → record
    records: dict[str, dict[str, FeatureRecord]] = field(default_factory=dict)
    _served: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def from_run(cls, run: RunDir, items: Sequence[ImageItem]) -> ImportedFeatures:
        """The usable records of every sidecar in ``run``; an unreadable sidecar is skipped (its features are
        then computed) with a warning."""
        current = {item.key: item.sha256 for item in items}
        imported = cls()
        for index_path in sorted(run.features_dir.glob("*.json")) if run.features_dir.is_dir() else []:
            try:
                fingerprint_dict, records, hashes, queries = load_feature_sidecar(run, index_path.stem)
                fingerprint = Fingerprint(**fingerprint_dict)
            except (DataError, TypeError, ValueError) as exc:
                log.warning("ignoring the %s features sidecar of %s (%s); they are recomputed",
                            index_path.stem, run.root, exc)
                continue
            imported.records.setdefault(fingerprint.digest, {}).update(
                {content_key(current[key], queries[key]): record for key, record in records.items()
                 if key in current and hashes.get(key) == current[key]})
        return imported

    def get_many(self, fingerprint: Fingerprint, keys: Iterable[str]) -> dict[str, FeatureRecord]:
        """The imported records among the content ``keys``; remembers them as served."""
        available = self.records.get(fingerprint.digest, {})
        found = {key: available[key] for key in keys if key in available}
        self._served.setdefault(fingerprint.digest, set()).update(found)
        return found

    def served(self, fingerprint: Fingerprint) -> set[str]:
        return self._served.get(fingerprint.digest, set())
