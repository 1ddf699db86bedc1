"""Content-addressed feature cache, shared by every run and score on this machine.

A record is keyed by the image's sha256 and the extractor's fingerprint digest (weights hash,
preprocessing, dtype, code version; see :func:`cache_key`), so a changed image, model or preprocessing
never reuses stale features, and the same image scored twice (a rescoring, a second run of a
deterministic model) never runs a model again.

$DIVGENBENCH_HOME/features/<fingerprint digest>/
    fingerprint.json             what made these features (for ``divgenbench cache info``)
    shards/<uuid>.safetensors    one shard per write: arrays ``<row>/<name>``; its metadata lists
                                 (image sha256, status, message, array names) per row
    index.json                   image sha256 → shard, rewritten atomically after each write

Every file is written to a temporary name and renamed, so a crash leaves a complete shard or none.
Two writers racing on ``index.json`` may drop each other's entries; a shard missing from the index is
found by its header on the next read, so nothing is lost but a little time.

[choice] Failures that depend on the model (``no-face``) are cached; failures of the file itself
(``unreadable``, ``detection-failed``) are not, so a repaired file is read again.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save

from .. import store
from ..errors import ConfigError, DataError
from ..rundir import atomic_write_bytes
from .base import OK, FeatureRecord, Fingerprint

CACHE_VERSION = 1
CACHEABLE_STATUSES = frozenset({OK, "no-face"})
#: what reading a damaged shard raises; it then counts as a miss and is recomputed
DAMAGED = (OSError, ValueError, KeyError, TypeError, SafetensorError)
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def cache_key(image_sha256: str, fingerprint: Fingerprint) -> str:
    """The one key of a cached record: ``<fingerprint digest>/<image sha256>``."""
    if not SHA256_PATTERN.match(image_sha256 or ""):
        raise ConfigError(f"image sha256 {image_sha256!r} is not 64 lowercase hex digits",
                          "hash the image file's bytes with sha256")
    return f"{fingerprint.digest}/{image_sha256}"


def default_root() -> Path:
    return store.home() / "features"


@dataclass(frozen=True)
class CacheEntry:
    """One extractor configuration's part of the cache, for ``divgenbench cache info``."""

    digest: str
    fingerprint: dict
    records: int
    shards: int
    bytes: int


class FeatureCache:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else default_root()

    def _dir(self, digest: str) -> Path:
        return self.root / digest

    # --- reading ---------------------------------------------------------------------------------
    def _index(self, digest: str) -> dict[str, str]:
        """sha256 → shard file name, completed with shards the index missed (racing writers)."""
        folder = self._dir(digest)
        try:
            index: dict[str, str] = json.loads((folder / "index.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            index = {}
        indexed = set(index.values())
        for shard in _shards(folder):
            if shard.name not in indexed:
                for sha in _shard_rows(shard):
                    index.setdefault(sha, shard.name)
        return index

    def cached(self, fingerprint: Fingerprint) -> set[str]:
        """Image sha256s with a record for this fingerprint."""
        return set(self._index(fingerprint.digest)) if self._dir(fingerprint.digest).exists() else set()

    def get_many(self, fingerprint: Fingerprint, image_sha256s: Iterable[str]) -> dict[str, FeatureRecord]:
        """The cached records among ``image_sha256s`` (absent keys are simply missing)."""
        wanted = {cache_key(sha, fingerprint).rpartition("/")[2] for sha in image_sha256s}
        if not wanted or not self._dir(fingerprint.digest).exists():
            return {}
        index = self._index(fingerprint.digest)
        by_shard: dict[str, list[str]] = {}
        for sha in wanted & index.keys():
            by_shard.setdefault(index[sha], []).append(sha)
        found: dict[str, FeatureRecord] = {}
        for shard_name, shard_shas in by_shard.items():
            shas = set(shard_shas)
            path = self._dir(fingerprint.digest) / "shards" / shard_name
            try:
                with safe_open(str(path), framework="numpy") as shard:
                    rows = json.loads(shard.metadata()["rows"])
                    for row, (sha, status, message, names) in enumerate(rows):
                        if sha in shas:
                            arrays = {name: shard.get_tensor(f"{row}/{name}") for name in names}
                            found[sha] = FeatureRecord(status, arrays, message)
            except DAMAGED:
                continue  # a damaged shard is a miss: its features are recomputed and written anew
        return found

    # --- writing ---------------------------------------------------------------------------------
    def put_many(self, fingerprint: Fingerprint, records: Mapping[str, FeatureRecord]) -> int:
        """Store the cacheable records (image sha256 → record) as one new shard; returns how many."""
        keep = {sha: r for sha, r in records.items() if r.status in CACHEABLE_STATUSES}
        if not keep:
            return 0
        for sha in keep:
            cache_key(sha, fingerprint)  # validates the sha256
        folder = self._dir(fingerprint.digest)
        if not (folder / "fingerprint.json").exists():
            atomic_write_bytes(folder / "fingerprint.json",
                               (json.dumps({"version": CACHE_VERSION, "digest": fingerprint.digest,
                                            "fingerprint": fingerprint.to_dict()}, indent=2) + "\n").encode())
        tensors: dict[str, np.ndarray] = {}
        rows = []
        for row, (sha, record) in enumerate(sorted(keep.items())):
            # np.asarray(order="C"), not ascontiguousarray: that one turns 0-d scores into shape (1,)
            tensors.update({f"{row}/{name}": np.asarray(array, order="C") for name, array in record.arrays.items()})
            rows.append([sha, record.status, record.message, sorted(record.arrays)])
        shard_name = f"{uuid.uuid4().hex}.safetensors"
        atomic_write_bytes(folder / "shards" / shard_name, save(tensors, metadata={"rows": json.dumps(rows)}))
        index = self._index(fingerprint.digest)
        index.update({sha: shard_name for sha in keep})
        atomic_write_bytes(folder / "index.json", json.dumps(index, sort_keys=True).encode())
        return len(keep)

    # --- housekeeping ----------------------------------------------------------------------------
    def entries(self) -> list[CacheEntry]:
        out = []
        if not self.root.exists():
            return out
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            try:
                fingerprint = json.loads((folder / "fingerprint.json").read_text())["fingerprint"]
            except (FileNotFoundError, json.JSONDecodeError, KeyError):
                fingerprint = {}
            shards = _shards(folder)
            size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
            out.append(CacheEntry(folder.name, fingerprint, len(self._index(folder.name)), len(shards), size))
        return out

    def clear(self, extractor: str | None = None) -> list[CacheEntry]:
        """Delete every entry (or only those of one extractor); returns what was removed."""
        removed = [e for e in self.entries() if extractor is None or e.fingerprint.get("extractor") == extractor]
        for entry in removed:
            shutil.rmtree(self._dir(entry.digest), ignore_errors=True)
        return removed


def _shards(folder: Path) -> list[Path]:
    """Finished shards only: a writer's temporary file starts with a dot."""
    return sorted(p for p in (folder / "shards").glob("*.safetensors") if not p.name.startswith("."))


def _shard_rows(path: Path) -> list[str]:
    try:
        with safe_open(str(path), framework="numpy") as shard:
            return [row[0] for row in json.loads(shard.metadata()["rows"])]
    except DAMAGED:
        return []
