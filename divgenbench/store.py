"""Where every weight comes from: hub id, revision, filename, sha256; local cache; the offline error.

``DIVGENBENCH_HOME`` sets the cache (default ``~/.cache/divgenbench``). A weight is looked up at
``$DIVGENBENCH_HOME/weights/<entry name>/<filename>``; ``divgenbench models download`` puts it there
with huggingface_hub, and a missing file offline raises ``MissingWeightsError`` naming the hub id, the
file, its sha256 and the exact path to put it at.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, DataError, MissingWeightsError
from .registry import check_plugin_name


def home() -> Path:
    return Path(os.environ.get("DIVGENBENCH_HOME", Path.home() / ".cache" / "divgenbench")).expanduser()


@dataclass(frozen=True)
class WeightFile:
    """One pinned file: ``sha256`` None means "not pinned yet" (recorded as computed on first use)."""

    entry: str  # store entry name, kebab-case (e.g. "arcface-w600k-r50")
    hub_id: str
    filename: str
    revision: str = "main"
    sha256: str | None = None
    license: str = ""
    note: str = ""

    @property
    def local_path(self) -> Path:
        return home() / "weights" / self.entry / self.filename


WEIGHTS: dict[str, WeightFile] = {}


def register_weight(weight: WeightFile) -> WeightFile:
    check_plugin_name(weight.entry)
    if weight.entry in WEIGHTS and WEIGHTS[weight.entry] != weight:
        raise ConfigError(f"weight entry {weight.entry!r} is registered twice", "rename one of them")
    WEIGHTS[weight.entry] = weight
    return weight


def get_weight(entry: str) -> WeightFile:
    if entry not in WEIGHTS:
        raise ConfigError(f"unknown weight entry {entry!r}", f"choose one of: {', '.join(sorted(WEIGHTS))}")
    return WEIGHTS[entry]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def missing_message(weight: WeightFile) -> str:
    pin = f", sha256 {weight.sha256}" if weight.sha256 else ""
    return (f"weights for {weight.entry!r} are missing: file {weight.filename!r} from hub repo {weight.hub_id!r}"
            f" (revision {weight.revision}{pin}); put it at {weight.local_path}")


def resolve(entry: str, *, verify: bool = False) -> Path:
    """Local path of a pinned weight file, or a clear ``MissingWeightsError``; never downloads."""
    weight = get_weight(entry)
    path = weight.local_path
    if not path.exists():
        raise MissingWeightsError(missing_message(weight),
                                  f"run `divgenbench models download {entry}` where the hub is reachable, "
                                  "or copy the file there")
    if verify and weight.sha256 and sha256_of(path) != weight.sha256:
        raise DataError(f"{path} does not match the pinned sha256 {weight.sha256}",
                        f"delete it and run `divgenbench models download {entry}`")
    return path


def download(entry: str) -> Path:
    """Fetch one weight file into the store with huggingface_hub and check its hash."""
    from huggingface_hub import hf_hub_download

    weight = get_weight(entry)
    weight.local_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fetched = hf_hub_download(weight.hub_id, weight.filename, revision=weight.revision,
                                  local_dir=weight.local_path.parent)
    except Exception as exc:  # offline, gated repo, missing file: say what and where
        raise MissingWeightsError(f"download of {weight.entry!r} failed ({type(exc).__name__}); "
                                  + missing_message(weight), "check the network or hub token") from exc
    path = Path(fetched)
    if path != weight.local_path:
        path.replace(weight.local_path)
    return resolve(entry, verify=True)


def status(entry: str) -> str:
    """'present', 'missing' or 'hash mismatch' (hashing only when pinned)."""
    weight = get_weight(entry)
    if not weight.local_path.exists():
        return "missing"
    if weight.sha256 and sha256_of(weight.local_path) != weight.sha256:
        return "hash mismatch"
    return "present"
