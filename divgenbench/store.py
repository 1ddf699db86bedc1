"""Where every weight comes from: hub id, revision, filename, sha256; local cache; the offline error.

``DIVGENBENCH_HOME`` sets the cache (default ``~/.cache/divgenbench``). A weight is looked up at
``$DIVGENBENCH_HOME/weights/<entry name>/<filename>``; ``divgenbench models download`` puts it there
with huggingface_hub, and a missing file offline raises ``MissingWeightsError`` naming the hub id, the
file, its sha256 and the exact path to put it at.

Two kinds of entry: a ``WeightFile`` is one file (``hf_hub_download``, or a pinned URL); a ``WeightSnapshot``
is a model that transformers reads as a folder (weights, config, processor, tokenizer), fetched whole with
``snapshot_download`` and allow patterns, so one entry — one download, one check, one offline message — stands
for the model, and ``from_pretrained(entry folder, local_files_only=True)`` reads it where it lies.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, DataError, MissingWeightsError
from .hashing import cached_file_sha256, sha256_bytes, sha256_file
from .registry import check_plugin_name


def home() -> Path:
    """$DIVGENBENCH_HOME (default ~/.cache/divgenbench): weights, feature cache, references; must be a folder."""
    folder = Path(os.environ.get("DIVGENBENCH_HOME", Path.home() / ".cache" / "divgenbench")).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"DIVGENBENCH_HOME {folder} is a file, not a folder",
                          "point DIVGENBENCH_HOME at a folder you can write (or unset it)")
    return folder


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
    url: str | None = None  # a file published outside the hub (e.g. a GitHub raw URL at a pinned commit)

    @property
    def source(self) -> str:
        """Where the file comes from, for messages: the URL, or the hub repo and revision."""
        if self.url:
            return f"URL {self.url}"
        return f"hub repo {self.hub_id!r} (revision {self.revision})"

    @property
    def entry_dir(self) -> Path:
        return home() / "weights" / self.entry

    @property
    def local_path(self) -> Path:
        return self.entry_dir / self.filename

    @property
    def pinned_path(self) -> Path:
        """The file whose sha256 is pinned: this one."""
        return self.local_path

    def is_present(self) -> bool:
        return self.local_path.exists()


@dataclass(frozen=True)
class WeightSnapshot:
    """A hub model read as a folder. ``allow_patterns`` say what ``snapshot_download`` fetches; ``files`` are
    what the folder must hold to load (checked before a run); ``weights_file`` is the file whose sha256 is
    pinned (the others are small configs and vocabularies, fixed by the revision)."""

    entry: str
    hub_id: str
    files: tuple[str, ...]
    weights_file: str
    allow_patterns: tuple[str, ...]
    revision: str = "main"
    sha256: str | None = None
    license: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.weights_file not in self.files:
            raise ValueError(f"{self.entry}: weights_file {self.weights_file!r} is not one of its files")

    @property
    def source(self) -> str:
        return f"hub repo {self.hub_id!r} (revision {self.revision})"

    @property
    def filename(self) -> str:
        """The files, for messages and the ``models check`` table."""
        return ", ".join(self.files)

    @property
    def entry_dir(self) -> Path:
        return home() / "weights" / self.entry

    @property
    def local_path(self) -> Path:
        """The folder ``from_pretrained`` reads."""
        return self.entry_dir

    @property
    def pinned_path(self) -> Path:
        """The file whose sha256 is pinned."""
        return self.entry_dir / self.weights_file

    def missing_files(self) -> list[str]:
        return [name for name in self.files if not (self.entry_dir / name).is_file()]

    def is_present(self) -> bool:
        return not self.missing_files()


Weight = WeightFile | WeightSnapshot
WEIGHTS: dict[str, Weight] = {}


def register_weight(weight: Weight) -> Weight:
    check_plugin_name(weight.entry)
    if weight.entry in WEIGHTS and WEIGHTS[weight.entry] != weight:
        raise ConfigError(f"weight entry {weight.entry!r} is registered twice", "rename one of them")
    WEIGHTS[weight.entry] = weight
    return weight


def get_weight(entry: str) -> Weight:
    if entry not in WEIGHTS:
        raise ConfigError(f"unknown weight entry {entry!r}", f"choose one of: {', '.join(sorted(WEIGHTS))}")
    return WEIGHTS[entry]


def missing_message(weight: Weight) -> str:
    if isinstance(weight, WeightSnapshot):
        missing = weight.missing_files() or list(weight.files)
        pin = f" ({weight.weights_file} sha256 {weight.sha256})" if weight.sha256 else ""
        return (f"weights for {weight.entry!r} are missing: file(s) {', '.join(missing)} of {weight.source}{pin};"
                f" put the repository's files {', '.join(weight.files)} in {weight.local_path}")
    pin = f" (sha256 {weight.sha256})" if weight.sha256 else ""
    return (f"weights for {weight.entry!r} are missing: file {weight.filename!r} from {weight.source}{pin};"
            f" put it at {weight.local_path}")


RACY_SECONDS = 2


def weight_file_sha256(path: Path) -> str:
    """sha256 of a weight file, remembered on disk per (size, mtime, inode) under ``$DIVGENBENCH_HOME/hash-memo``.

    Every run checks its weights against their pins before the first image; without the memo each process (each
    rank of an 8-GPU launch, each resume) would re-read ~16 GB of weights to do it. A file rewritten in place
    changes its mtime (and usually size or inode), so it is hashed again; a file changed in the last
    ``RACY_SECONDS`` is never remembered, because a second rewrite within one timestamp tick would keep its
    stat (git's "racy clean" rule). The memo lives in the user's own cache, beside the weights it vouches for.
    """
    stat = path.stat()
    key = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
    memo = home() / "hash-memo" / f"{sha256_bytes(str(path.resolve()).encode())}.json"
    try:
        record = json.loads(memo.read_text())
        if record["stat"] == key and isinstance(record["sha256"], str):
            return record["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, or unreadable: hash again
    digest = cached_file_sha256(path)
    if time.time_ns() - stat.st_mtime_ns < RACY_SECONDS * 1_000_000_000:
        return digest
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        partial = memo.with_name(f".{memo.name}.{os.getpid()}")
        partial.write_text(json.dumps({"path": str(path.resolve()), "stat": key, "sha256": digest}))
        partial.replace(memo)
    except OSError:
        pass  # a read-only cache only costs the next process a re-hash
    return digest


def resolve(entry: str) -> Path:
    """Local path of a weight file (a snapshot's folder) whose bytes match its pin, or one clear error; never
    downloads. A missing file is ``MissingWeightsError``; a pinned file with other bytes (a damaged download,
    another revision) is ``DataError``, so no feature is ever computed, or cached under the pin, from bytes
    the pin does not name. The hash is remembered per file state (``weight_file_sha256``): the first check of a
    downloaded file pays it, later processes and the model load after the check are free."""
    weight = get_weight(entry)
    if not weight.is_present():
        raise MissingWeightsError(missing_message(weight),
                                  f"run `divgenbench models download {entry}` where the hub is reachable, "
                                  "or copy the file(s) there")
    pinned = weight.pinned_path
    if weight.sha256 and weight_file_sha256(pinned) != weight.sha256:
        raise DataError(f"{pinned} does not match the pinned sha256 {weight.sha256} of {weight.source}",
                        f"delete it and run `divgenbench models download {entry}`")
    return weight.local_path


def entries_for(names: Sequence[str], plugin_entries: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Weight entries named directly or through a plug-in that uses them; none named: all of them.

    ``plugin_entries`` maps plug-in names (extractors, scorers) to their entries; the caller (the CLI) builds
    it, so the store stays below every plug-in kind.
    """
    if not names:
        return sorted(WEIGHTS)
    plugin_entries = plugin_entries or {}
    entries: list[str] = []
    for name in names:
        if name in WEIGHTS:
            found = [name]
        elif name in plugin_entries:
            found = list(plugin_entries[name])
            if not found:
                raise ConfigError(f"plug-in {name!r} has no downloadable weights",
                                  f"weight entries: {', '.join(sorted(WEIGHTS))}")
        else:
            get_weight(name)  # raises with the valid choices
        entries += [e for e in found if e not in entries]
    return entries


def _download_url(weight: WeightFile) -> None:
    """Stream ``weight.url`` to a temporary file beside the target, then move it into place."""
    import shutil
    import urllib.request

    partial = weight.local_path.with_name(weight.local_path.name + ".partial")
    try:
        with urllib.request.urlopen(weight.url, timeout=60) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
    except Exception as exc:  # offline, moved file: say what and where
        partial.unlink(missing_ok=True)
        raise MissingWeightsError(f"download of {weight.entry!r} failed ({type(exc).__name__}); "
                                  + missing_message(weight), "check the network") from exc
    partial.replace(weight.local_path)


def download(entry: str) -> Path:
    """Fetch one entry into the store (huggingface_hub, or its pinned URL) and check its hash."""
    from huggingface_hub import hf_hub_download, snapshot_download

    weight = get_weight(entry)
    weight.entry_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(weight, WeightFile) and weight.url:
        _download_url(weight)
        return resolve(entry)
    try:  # local_dir keeps the hub's sub-folders, so files land exactly under entry_dir
        if isinstance(weight, WeightSnapshot):
            snapshot_download(weight.hub_id, revision=weight.revision, allow_patterns=list(weight.allow_patterns),
                              local_dir=weight.entry_dir)
        else:
            fetched = Path(hf_hub_download(weight.hub_id, weight.filename, revision=weight.revision,
                                           local_dir=weight.entry_dir))
            if fetched != weight.local_path:
                fetched.replace(weight.local_path)
    except Exception as exc:  # offline, gated repo, missing file: say what and where
        raise MissingWeightsError(f"download of {weight.entry!r} failed ({type(exc).__name__}); "
                                  + missing_message(weight), "check the network or hub token") from exc
    return resolve(entry)


@dataclass(frozen=True)
class WeightCheck:
    """One row of ``divgenbench models check``."""

    weight: Weight
    status: str  # present | missing | hash mismatch | unpinned
    sha256: str | None  # what is on disk (None when missing)


def check(entry: str) -> WeightCheck:
    """Presence and hash of one entry; an unpinned file is hashed and reported as such."""
    weight = get_weight(entry)
    if not weight.is_present():
        return WeightCheck(weight, "missing", None)
    actual = sha256_file(weight.pinned_path)
    if weight.sha256 is None:
        return WeightCheck(weight, "unpinned", actual)
    return WeightCheck(weight, "present" if actual == weight.sha256 else "hash mismatch", actual)


def status(entry: str) -> str:
    """'present', 'missing' or 'hash mismatch' (hashing only when pinned)."""
    weight = get_weight(entry)
    if not weight.is_present():
        return "missing"
    if weight.sha256 and weight_file_sha256(weight.pinned_path) != weight.sha256:
        return "hash mismatch"
    return "present"


# --- the weights the built-in extractors use ---------------------------------------------------------
# insightface's buffalo_l pack is released as a zip on GitHub (deepinsight/insightface v0.7); the hub mirror
# public-data/insightface (maintained by HF staff) holds its files unzipped. Hashes are the mirror's Git LFS
# object ids, which two further independent mirrors of the pack repeat byte for byte.
BUFFALO_L_HUB = "public-data/insightface"
BUFFALO_L_REVISION = "33c1063c49c785b7652d3fd529f86fa4f149392b"
SCRFD_10G = register_weight(WeightFile(
    "scrfd-det-10g", BUFFALO_L_HUB, "models/buffalo_l/det_10g.onnx", BUFFALO_L_REVISION,
    "5838f7fe053675b1c7a08b633df49e7af5495cee0493c7dcf6697200b85b5b91",
    license="insightface: non-commercial research", note="SCRFD-10GF face detector with 5 keypoints (buffalo_l)"))
ARCFACE_R50 = register_weight(WeightFile(
    "arcface-w600k-r50", BUFFALO_L_HUB, "models/buffalo_l/w600k_r50.onnx", BUFFALO_L_REVISION,
    "4c06341c33c2ca1f86781dab0e829f88ad5b64be9fba56e56bc9ebdefc619e43",
    license="insightface: non-commercial research", note="ArcFace ResNet-50 on WebFace600K, 512-D (buffalo_l)"))
