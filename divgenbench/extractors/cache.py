"""Content-addressed feature cache, shared by every run and score on this machine.

A record is keyed by the image's sha256 and the extractor's fingerprint digest (weights hash,
preprocessing, dtype, code version; see :func:`cache_key`), so a changed image, model or preprocessing
never reuses stale features, and the same image scored twice (a rescoring, a second run of a
deterministic model) never runs a model again.

$DIVGENBENCH_HOME/features/<fingerprint digest>/
    fingerprint.json             what made these features (for ``divgenbench cache info``)
    shards/<sha256>.safetensors  one shard per write, named by the sha256 of its bytes: arrays
                                 ``<row>/<name>``; its metadata lists (image sha256, status, message,
                                 array names) per row
    index.json                   image sha256 → shard, rewritten atomically after each write

Every file is written to a temporary name and renamed, so a crash leaves a complete shard or none.
Two writers racing on ``index.json`` may drop each other's entries; a shard missing from the index is
found by its header on the next read, so nothing is lost but a little time.

Only features computed on this machine enter the cache. A shard is hashed before it is read and must
match its name: a flipped bit, a truncated copy or a hand-edited shard is deleted, reported (a warning
and :attr:`FeatureCache.damaged`) and its images are recomputed, never used. A run folder's own sidecar
features come from whoever sent the folder; :class:`ImportedFeatures` serves them to that run's
rescoring only, for images whose bytes still hash as the sidecar says, and never writes them here.

[choice] Failures that depend on the model (``no-face``) are cached; failures of the file itself
(``unreadable``, ``detection-failed``) are not, so a repaired file is read again.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save

from .. import store
from ..errors import ConfigError
from ..hashing import sha256_bytes, sha256_file
from ..rundir import atomic_write_bytes
from .base import OK, FeatureRecord, Fingerprint

log = logging.getLogger(__name__)
CACHE_VERSION = 2  # 2: shards are named by their sha256 and verified on read
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
        #: shards this object found damaged (and deleted) since it was made
        self.damaged: list[Path] = []

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
            if shard.name not in indexed and self._verified(shard):
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
            if not self._verified(path):
                continue  # a damaged shard is a miss: its features are recomputed and written anew
            try:
                with safe_open(str(path), framework="numpy") as shard:
                    rows = json.loads(shard.metadata()["rows"])
                    for row, (sha, status, message, names) in enumerate(rows):
                        if sha in shas:
                            arrays = {name: shard.get_tensor(f"{row}/{name}") for name in names}
                            found[sha] = FeatureRecord(status, arrays, message)
            except DAMAGED:
                self._discard(path, "unreadable although its checksum matches")
        return found

    def _verified(self, path: Path) -> bool:
        """True when the shard's bytes hash to its name; a mismatch is discarded and reported."""
        try:
            ok = sha256_file(path) == path.stem
        except FileNotFoundError:
            return False  # an index entry racing a `cache clear`: a plain miss
        except OSError as exc:
            self._discard(path, f"unreadable ({exc.strerror or exc})")
            return False
        if not ok:
            self._discard(path, "its bytes do not match its checksum")
        return ok

    def _discard(self, path: Path, why: str) -> None:
        log.warning("feature cache shard %s is damaged (%s): ignored, deleted, its features are recomputed",
                    path, why)
        self.damaged.append(path)
        path.unlink(missing_ok=True)

    # --- writing ---------------------------------------------------------------------------------
    def put_many(self, fingerprint: Fingerprint, records: Mapping[str, FeatureRecord]) -> int:
        """Store the cacheable records (image sha256 → record) as one new shard; returns how many."""
        keep = {sha: r for sha, r in records.items() if r.status in CACHEABLE_STATUSES}
        if not keep:
            return 0
        for sha in keep:
            cache_key(sha, fingerprint)  # validates the sha256
        folder = self._dir(fingerprint.digest)
        tensors: dict[str, np.ndarray] = {}
        rows = []
        for row, (sha, record) in enumerate(sorted(keep.items())):
            # np.asarray(order="C"), not ascontiguousarray: that one turns 0-d scores into shape (1,)
            tensors.update({f"{row}/{name}": np.asarray(array, order="C") for name, array in record.arrays.items()})
            rows.append([sha, record.status, record.message, sorted(record.arrays)])
        data = save(tensors, metadata={"rows": json.dumps(rows)})
        shard_name = f"{sha256_bytes(data)}.safetensors"
        try:
            if not (folder / "fingerprint.json").exists():
                atomic_write_bytes(folder / "fingerprint.json",
                                   (json.dumps({"version": CACHE_VERSION, "digest": fingerprint.digest,
                                                "fingerprint": fingerprint.to_dict()}, indent=2) + "\n").encode())
            atomic_write_bytes(folder / "shards" / shard_name, data)
            index = self._index(fingerprint.digest)
            index.update({sha: shard_name for sha in keep})
            atomic_write_bytes(folder / "index.json", json.dumps(index, sort_keys=True).encode())
        except OSError as exc:
            raise ConfigError(f"cannot write the feature cache in {self.root} ({exc.strerror or exc})",
                              "free disk space, or point DIVGENBENCH_HOME at a writable folder") from exc
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
    """Finished shards only: a writer's temporary file starts with a dot; a version-1 shard (uuid name)
    carries no checksum and is ignored (its features are recomputed once)."""
    return sorted(p for p in (folder / "shards").glob("*.safetensors") if SHA256_PATTERN.match(p.stem))


def _shard_rows(path: Path) -> list[str]:
    try:
        with safe_open(str(path), framework="numpy") as shard:
            return [row[0] for row in json.loads(shard.metadata()["rows"])]
    except DAMAGED:
        return []
