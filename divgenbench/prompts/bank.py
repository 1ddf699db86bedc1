"""The prompt bank on disk: canonical JSONL, manifest, hashes, and loading from bundled | hub | path.

Canonical form (what is hashed): one record per line, ``json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)``; the bank hash is the sha256 of the four files
concatenated in DIMENSIONS order. A hub copy is re-serialised the same way, so both hash the same.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import strictjson
from ..errors import ConfigError, DataError
from ..hashing import sha256_bytes, sha256_file
from ..protocol import DIMENSIONS
from . import vocab as V

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_HUB_DATASET = "divgenbench/divgenbench-prompts"  # published copy; revision = bank version
PARTI_LICENSE = "PartiPrompts (google-research/parti), Apache License 2.0"
#: Prompt ids name image files (``{id}_{k}.png``), lock files and report anchors: plain names only, short
#: enough for any file system (no ``/``, no ``..`` prefix, no hidden or over-long names)
PROMPT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
RECORD_FIELDS = {"id": str, "dimension": str, "text": str, "template": str, "attributes": dict}
#: attributes each dimension's scoring and balance tables read (SPEC §2)
REQUIRED_ATTRIBUTES = {"id": ("group",), "style": ("style",), "layout": ("class", "count"), "tonal": ("keyword",)}
MAX_LAYOUT_COUNT = 100


@dataclass(frozen=True)
class Prompt:
    id: str
    dimension: str
    text: str
    template: str
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict:
        return {"id": self.id, "dimension": self.dimension, "text": self.text, "template": self.template,
                "attributes": dict(self.attributes)}


@dataclass(frozen=True)
class PromptBank:
    """The loaded bank: prompts per dimension plus where they came from and their hash."""

    prompts: Mapping[str, tuple[Prompt, ...]]
    version: str
    sha256: str
    source: str

    def __getitem__(self, dimension: str) -> tuple[Prompt, ...]:
        return self.prompts[dimension]

    def by_id(self) -> dict[str, Prompt]:
        return {p.id: p for ps in self.prompts.values() for p in ps}


def canonical_line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def canonical_bytes(records: Sequence[Mapping[str, Any]]) -> bytes:
    return "".join(canonical_line(r) for r in records).encode("utf-8")


def bank_sha256(files: Mapping[str, bytes]) -> str:
    return sha256_bytes(b"".join(files[d] for d in DIMENSIONS))


def bundled_dir(version: str = V.BANK_VERSION) -> Path:
    """The bank shipped with the package (``prompts/<version>`` in the source tree or the wheel)."""
    try:
        from importlib.resources import files

        candidate = Path(str(files("divgenbench.bundled_prompts") / version))
        if candidate.is_dir():
            return candidate
    except ModuleNotFoundError:
        pass
    return REPO_ROOT / "prompts" / version


def write_bank(bank: Mapping[str, Sequence[Mapping[str, Any]]], out_dir: Path, parti_source: Path) -> dict:
    """Write the four JSONL files, a copy of the Parti source and ``manifest.json``; return the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {d: canonical_bytes(bank[d]) for d in DIMENSIONS}
    for d in DIMENSIONS:
        _atomic_write(out_dir / f"{d}.jsonl", data[d])
    sources = out_dir.parent / "sources"
    sources.mkdir(exist_ok=True)
    parti_copy = sources / "PartiPrompts.tsv"
    if parti_source.resolve() != parti_copy.resolve():
        shutil.copyfile(parti_source, parti_copy)
    manifest = {
        "version": V.BANK_VERSION,
        "seed": V.BANK_SEED,
        "sha256": bank_sha256(data),
        "hash_rule": "sha256 of id.jsonl+style.jsonl+layout.jsonl+tonal.jsonl bytes (canonical JSONL)",
        "files": {d: {"path": f"{d}.jsonl", "count": len(bank[d]), "sha256": sha256_bytes(data[d])}
                  for d in DIMENSIONS},
        "retired_sha256": V.RETIRED_BANK_SHA256,
        "decisions": bank_decisions(),
        "sources": {"parti": {"path": "../sources/PartiPrompts.tsv", "sha256": sha256_file(parti_copy),
                              "license": PARTI_LICENSE}},
    }
    _atomic_write(out_dir / "manifest.json", (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    return manifest


def bank_decisions() -> dict:
    """The [choice] tables the builder applied, recorded in the manifest beside their notes (docs/prompts.md),
    so a reader of the data alone can tell how each text was made."""
    return {
        "notes": "docs/prompts.md",
        "id_template": V.ID_TEMPLATE,
        "id_feature_forms": {name: form for name, (form, _) in V.CELEBA_FEATURES.items()},
        "style_names": {label: {"noun": noun, "adjective": adjective}
                        for label, (noun, adjective) in V.STYLE_NAMES.items()},
        "tonal_keyword_templates": {kw: list(templates) for kws in V.TONAL_KEYWORDS.values()
                                    for kw, _, templates in kws},
        "layout_settings": {setting: list(templates) for setting, templates in V.LAYOUT_SETTINGS.items()},
        "layout_large_classes": {setting: sorted(classes) for setting, classes in V.LAYOUT_LARGE_CLASSES.items()},
        "parti_fixes": V.PARTI_FIXES,
        "parti_bare_singular_openings": list(V.BARE_SINGULAR_OPENINGS),
        "base_filter": "PARTI_CATEGORIES, at most PARTI_MAX_WORDS words, one sentence, no excluded word "
                       "(accents folded), no finite verb outside a relative clause (grammar.finite_verb)",
    }


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _bank_from_records(records: Mapping[str, Sequence[Mapping]], source: str, version: str) -> PromptBank:
    data = {d: canonical_bytes(records[d]) for d in DIMENSIONS}
    prompts = {d: tuple(Prompt(**r) for r in records[d]) for d in DIMENSIONS}
    return PromptBank(prompts, version, bank_sha256(data), source)


def _read_manifest(folder: Path) -> dict | None:
    path = folder / "manifest.json"
    if not path.exists():
        return None
    try:
        manifest = strictjson.loads(strictjson.read_bounded(path))
    except (OSError, strictjson.JSONInputError) as exc:
        raise DataError(f"prompt manifest {path} is unreadable: {exc}", "rebuild it with `divgenbench prompts build`") from exc
    if not isinstance(manifest, dict):
        raise DataError(f"prompt manifest {path} is a JSON {type(manifest).__name__}, not an object",
                        "rebuild it with `divgenbench prompts build`")
    return manifest


def record_problem(record: Any, dimension: str) -> str | None:
    """Why a prompt record cannot be used (None when it can): the loader's one check of untrusted banks."""
    if not isinstance(record, dict):
        return f"is a JSON {type(record).__name__}, not an object"
    if set(record) != set(RECORD_FIELDS):
        return f"has fields {sorted(record)}, expected {sorted(RECORD_FIELDS)}"
    wrong = [name for name, kind in RECORD_FIELDS.items() if not isinstance(record[name], kind)]
    if wrong:
        return f"field {wrong[0]} is not a {RECORD_FIELDS[wrong[0]].__name__}"
    if not PROMPT_ID_PATTERN.match(record["id"]):
        return (f"id {record['id'][:120]!r} is not a plain name (letters, digits, '.', '_', '-'; at most 100; "
                "no '/' or leading '.')")
    if record["dimension"] != dimension:
        return f"has dimension {record['dimension']!r} in the {dimension} file"
    missing = [key for key in REQUIRED_ATTRIBUTES[dimension] if key not in record["attributes"]]
    if missing:
        return f"lacks attributes {', '.join(missing)}"
    count = record["attributes"].get("count")
    if dimension == "layout" and not (type(count) is int and 1 <= count <= MAX_LAYOUT_COUNT):
        return f"attribute count {count!r} is not a whole number from 1 to {MAX_LAYOUT_COUNT}"
    return None


def load_folder(folder: Path, source: str) -> PromptBank:
    """A folder of ``{dimension}.jsonl`` files; checked record by record, and against its manifest when it has one."""
    records: dict[str, list[dict]] = {}
    fix = "fix that line, or rebuild the bank with `divgenbench prompts build`"
    seen: dict[str, str] = {}
    for d in DIMENSIONS:
        path = folder / f"{d}.jsonl"
        lines = strictjson.read_text(path, "prompts file", fix="rebuild it with `divgenbench prompts build`",
                                     unreadable_fix="pass --prompts-source bundled, or a folder holding "
                                                    "id/style/layout/tonal .jsonl").splitlines()
        records[d] = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = strictjson.loads(line)
            except strictjson.JSONInputError as exc:
                raise DataError(f"prompts file {path} line {number}: {exc}", fix) from exc
            problem = record_problem(record, d)
            if problem is None and record["id"] in seen:
                problem = f"repeats prompt id {record['id']!r} (first in {seen[record['id']]})"
            if problem:
                raise DataError(f"prompts file {path} line {number} {problem}", fix)
            seen[record["id"]] = f"{d}.jsonl line {number}"
            records[d].append(record)
        if not records[d]:
            raise DataError(f"prompts file {path} holds no prompts", "rebuild it with `divgenbench prompts build`")
    manifest = _read_manifest(folder)
    bank = _bank_from_records(records, source, str((manifest or {}).get("version", "custom")))
    if manifest is not None and manifest.get("sha256") != bank.sha256:
        raise DataError(f"prompt bank in {folder} hashes {bank.sha256[:12]}…, its manifest says "
                        f"{str(manifest.get('sha256'))[:12]}…", "restore the files or rebuild the bank")
    return bank


def load_hub(repo_id: str, revision: str | None, expected_sha256: str) -> PromptBank:
    """One ``datasets`` config per dimension; must hash the same as the bundled manifest."""
    from datasets import load_dataset

    records = {}
    for d in DIMENSIONS:
        ds = load_dataset(repo_id, name=d, revision=revision, split="train")
        records[d] = [_strip_null_attributes(r) for r in ds]
    bank = _bank_from_records(records, f"hub:{repo_id}@{revision or 'main'}", V.BANK_VERSION)
    if bank.sha256 != expected_sha256:
        raise DataError(f"hub prompt bank {repo_id}@{revision} hashes {bank.sha256[:12]}…, "
                        f"the bundled manifest says {expected_sha256[:12]}…",
                        "pin the revision that matches this toolkit, or use --prompts-source bundled")
    return bank


def _strip_null_attributes(row: Mapping[str, Any]) -> dict:
    """Arrow structs fill keys a row lacks with None; the bank never stores None, so drop them."""
    row = dict(row)
    row["attributes"] = {k: v for k, v in row["attributes"].items() if v is not None}
    return row


def load_prompts(source: str = "bundled", version: str = V.BANK_VERSION) -> PromptBank:
    """Load the bank from ``bundled``, ``hub:<id>[@revision]`` or a folder path.

    The hub source falls back to the bundled copy with a one-line notice when the hub is unreachable,
    and refuses a copy whose hash differs from the bundled manifest.
    """
    bundled = bundled_dir(version)
    if source == "bundled":
        return load_folder(bundled, f"bundled:{version}")
    if source.startswith("hub:"):
        repo_id, _, revision = source[4:].partition("@")
        if not repo_id:
            raise ConfigError("--prompts-source hub: needs a dataset id", f"e.g. hub:{DEFAULT_HUB_DATASET}@{version}")
        manifest = _read_manifest(bundled) or {}
        try:
            return load_hub(repo_id, revision or version, manifest.get("sha256", ""))
        except DataError:
            raise
        except Exception as exc:  # offline, missing repo, auth: any hub failure falls back
            log.warning("prompt bank: hub %s unreachable (%s); using the bundled copy", repo_id,
                        type(exc).__name__)
            return load_folder(bundled, f"bundled:{version}")
    path = Path(source)
    if not path.is_dir():
        raise ConfigError(f"--prompts-source {source!r} is neither 'bundled', 'hub:<id>' nor a folder",
                          "pass bundled, hub:<dataset id>[@revision], or a folder of id/style/layout/tonal .jsonl")
    return load_folder(path, str(path))


def export_datasets(bank: PromptBank, out_dir: Path) -> list[Path]:
    """Write one ``datasets`` DatasetDict per dimension (config), ready for ``push_to_hub``."""
    from datasets import Dataset, DatasetDict

    written = []
    for d in DIMENSIONS:
        ds = Dataset.from_list([p.to_record() for p in bank[d]])
        target = out_dir / d
        DatasetDict({"train": ds}).save_to_disk(str(target))
        written.append(target)
        _atomic_write(out_dir / f"{d}.jsonl", canonical_bytes([p.to_record() for p in bank[d]]))
    card = ["---", "configs:"] + [f"- config_name: {d}\n  data_files: {d}.jsonl" for d in DIMENSIONS] + [
        "license: apache-2.0", "---", "", f"# DivGenBench prompt bank {bank.version}", "",
        f"sha256 `{bank.sha256}`. Push with: "
        "`for d in id style layout tonal: load_from_disk(DIR/d).push_to_hub(REPO, config_name=d)`.", ""]
    (out_dir / "README.md").write_text("\n".join(card))
    return written
