"""Where everything of one run lives; the only place that assembles run paths.

RUN/ images/{dimension}/{prompt_id}_{k}.png   written atomically, never overwritten
     journal/{writer}.jsonl                      append-only generation records, one file per process
     locks/{prompt_id}_{k}.lock                  per-image claims of concurrent processes (OS file locks)
     generator.json                              the generator's resolved settings and provenance
     samples.jsonl                               consolidated per-image records (rewritten atomically)
     features/                                   cached features for this run (see extractors.cache)
     run.json                                    the run's configuration, checked on resume
     timings.json                                seconds per stage, summed over every invocation
     results.json, report.html
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, DataError

TMP_PREFIX = ".tmp-"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP_PREFIX}{uuid.uuid4().hex[:8]}-{path.name[-200:]}")  # ≤ 255 bytes for ASCII names
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:  # a full disk, a kill: no half-written temporary is left behind
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: object) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode())


def differing_keys(old: object, new: object, path: str = "") -> list[str]:
    """``settings.dtype: 'bfloat16' → 'float32'`` for each leaf where two JSON objects differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [d for key in sorted(set(old) | set(new))
                for d in differing_keys(old.get(key), new.get(key), f"{path}.{key}" if path else key)]
    return [] if old == new else [f"{path or 'run'}: {old!r} → {new!r}"]


def journal_record_ok(record: object) -> bool:
    """A journal line shaped as the runner writes it (a damaged one is skipped: its image is re-hashed)."""
    if not (isinstance(record, dict) and isinstance(record.get("prompt_id"), str)
            and type(record.get("k")) is int and isinstance(record.get("extra", {}), dict)):
        return False
    return "status" in record or (isinstance(record.get("path"), str) and isinstance(record.get("sha256"), str))


@dataclass(frozen=True)
class RunDir:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    # --- paths -----------------------------------------------------------------------------------
    def image_path(self, dimension: str, prompt_id: str, k: int) -> Path:
        return self.root / "images" / dimension / f"{prompt_id}_{k}.png"

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def lock_path(self, prompt_id: str, k: int) -> Path:
        return self.root / "locks" / f"{prompt_id}_{k}.lock"

    @property
    def generator_info_path(self) -> Path:
        return self.root / "generator.json"

    @property
    def journal_dir(self) -> Path:
        return self.root / "journal"

    @property
    def samples_path(self) -> Path:
        return self.root / "samples.jsonl"

    @property
    def features_dir(self) -> Path:
        return self.root / "features"

    @property
    def config_path(self) -> Path:
        return self.root / "run.json"

    @property
    def timings_path(self) -> Path:
        return self.root / "timings.json"

    @property
    def results_path(self) -> Path:
        return self.root / "results.json"

    @property
    def report_path(self) -> Path:
        return self.root / "report.html"

    # --- lifecycle -------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Create the folders; say clearly when the output directory cannot be written."""
        try:
            (self.root / "images").mkdir(parents=True, exist_ok=True)
            self.journal_dir.mkdir(exist_ok=True)
            probe = self.root / f"{TMP_PREFIX}probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"output directory {self.root} is not writable ({exc.strerror or exc})",
                              "pass --output to a folder you can write") from exc

    def remove_stale_temporaries(self) -> int:
        """Delete half-written files a killed process left behind (never a finished image)."""
        removed = 0
        for tmp in (self.root / "images").rglob(f"{TMP_PREFIX}*"):
            tmp.unlink(missing_ok=True)
            removed += 1
        return removed

    def check_config(self, config: dict, *, record: bool = True) -> None:
        """Refuse to continue a run made with other settings (it would mix two models' images); a new run's
        settings are written as run.json unless ``record`` is False (checked now, written once the model
        loaded)."""
        if self.config_path.exists():
            try:
                previous = json.loads(self.config_path.read_text(encoding="utf-8"))
            except ValueError as exc:  # not JSON, or not UTF-8
                raise DataError(f"{self.config_path} is corrupt", "delete it to start the run afresh") from exc
            if not isinstance(previous, dict):
                raise DataError(f"{self.config_path} is not a JSON object", "delete it to start the run afresh")
            changed = differing_keys(previous, config)
            if changed:
                raise ConfigError(
                    f"{self.root} holds a run with other settings ({'; '.join(changed)})",
                    "use another --output, or the same settings to resume")
        elif record:
            atomic_write_json(self.config_path, config)

    # --- journal ---------------------------------------------------------------------------------
    def journal_writer_path(self, writer: str | None = None) -> Path:
        writer = writer or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        return self.journal_dir / f"{writer}.jsonl"

    def journal_records(self) -> Iterator[dict]:
        """Every complete journal line; a line cut by a kill is skipped (its image is re-hashed)."""
        if not self.journal_dir.exists():
            return
        for path in sorted(self.journal_dir.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    record = json.loads(line)
                except (ValueError, RecursionError):  # cut by a kill, or damaged: its image is re-hashed
                    continue
                if journal_record_ok(record):
                    yield record
