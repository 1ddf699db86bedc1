"""A finished run read back from disk: results.json plus its sidecars (samples.jsonl, features/).

``compare`` and ``report`` work from these alone, so a result can be re-scored and re-rendered without
the images or any model; images are only used (for thumbnails) when they are still there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .. import strictjson
from ..errors import DataError
from ..extractors.base import FeatureRecord, ImageItem
from ..extractors.sidecar import load_feature_sidecar, sidecar_paths
from ..generators.base import GeneratedImage
from ..metrics.scores import FeatureTable
from ..prompts import load_prompts
from ..prompts.bank import PROMPT_ID_PATTERN, PromptBank
from ..protocol import DIMENSIONS
from ..rundir import RunDir
from .io import load_results, results_path
from .models import Results

MISSING = "missing"


def read_samples(run: RunDir) -> list[GeneratedImage]:
    """The per-image records of a run; a broken line is an error naming the line."""
    try:
        lines = run.samples_path.read_bytes().decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError(f"{run.samples_path} is not UTF-8 text (byte {exc.start})",
                        "restore the file, or re-run `divgenbench eval` on the run directory") from exc
    except OSError as exc:
        raise DataError(f"cannot read {run.samples_path}: {exc.strerror or exc}",
                        "keep samples.jsonl next to results.json (it is written by `divgenbench eval`)") from exc
    samples = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = strictjson.loads(line)
            problem = sample_problem(record)
        except strictjson.JSONInputError as exc:
            problem = str(exc)
        if problem:
            raise DataError(f"{run.samples_path} line {number} is not a sample record ({problem})",
                            "restore the file, or re-run `divgenbench eval` on the run directory")
        samples.append(GeneratedImage(**record))
    return samples


SAMPLE_FIELDS = {"prompt_id": str, "dimension": str, "k": int, "seed": int, "path": str, "sha256": str,
                 "extra": dict}


def sample_problem(record: Any) -> str | None:
    """Why a samples.jsonl record is unusable (None when it is fine): fields, types, names and hash shape."""
    if not isinstance(record, dict):
        return f"a JSON {type(record).__name__}, not an object"
    if not set(SAMPLE_FIELDS) - {"extra"} <= set(record) <= set(SAMPLE_FIELDS):
        return f"fields {sorted(record)}, expected {sorted(SAMPLE_FIELDS)}"
    for name, kind in SAMPLE_FIELDS.items():
        if name in record and (not isinstance(record[name], kind) or isinstance(record[name], bool)):
            return f"{name} is not a {kind.__name__}"
    if not PROMPT_ID_PATTERN.match(record["prompt_id"]) or record["dimension"] not in DIMENSIONS:
        return f"prompt {record['prompt_id'][:60]!r} of dimension {record['dimension'][:20]!r} is not a bank prompt"
    if record["k"] < 0 or not re.fullmatch(r"[0-9a-f]{64}", record["sha256"]):
        return "k is negative or sha256 is not 64 lowercase hex digits"
    return None


def bank_source(results: Results) -> str:
    """Where to reload the run's prompt bank: the hub copy hashes as the bundled one, so use that."""
    source = results.prompt_bank.source
    return "bundled" if source.startswith(("bundled", "hub:")) else source


@dataclass
class LoadedRun:
    """One run on disk; everything is read lazily and at most once."""

    results_file: Path
    results: Results
    run: RunDir = field(init=False)

    def __post_init__(self) -> None:
        self.run = RunDir(self.results_file.parent)

    @property
    def label(self) -> str:
        return self.results.model.name

    @cached_property
    def bank(self) -> PromptBank:
        bank = load_prompts(bank_source(self.results), self.results.prompt_bank.version)
        if bank.sha256 != self.results.prompt_bank.sha256:
            raise DataError(f"{self.results_file} was made with prompt bank {self.results.prompt_bank.sha256[:12]}…, "
                            f"{bank.source} hashes {bank.sha256[:12]}…",
                            "use the toolkit version that wrote the results")
        return bank

    @cached_property
    def samples(self) -> list[GeneratedImage]:
        return read_samples(self.run)

    @cached_property
    def items(self) -> dict[str, list[ImageItem]]:
        from ..pipeline import image_items  # the same items (keys, attributes) the evaluation scored

        known = self.bank.by_id()
        strangers = [s.prompt_id for s in self.samples if s.prompt_id not in known or known[s.prompt_id].dimension
                     != s.dimension]
        if strangers:
            raise DataError(f"{self.run.samples_path} names prompts its bank does not hold as listed "
                            f"(e.g. {strangers[0]!r})", "restore samples.jsonl, or re-run `divgenbench eval`")
        return image_items(self.samples, self.bank, self.run)

    def has_features(self, feature: str) -> bool:
        return all(p.exists() for p in sidecar_paths(self.run, feature))

    def feature_table(self, feature: str, dimension: str) -> FeatureTable:
        """The dimension's images in run order with their records from the sidecar (``missing`` if absent)."""
        fingerprint, records, hashes = load_feature_sidecar(self.run, feature)
        recorded = self.results.extractors.get(feature)
        if recorded is None or recorded.model_dump() != fingerprint:
            raise DataError(f"the {feature} features in {self.run.features_dir} were not made by the extractor "
                            f"recorded in {self.results_file}",
                            f"re-score the run so results and sidecar agree: `divgenbench eval -o {self.run.root}`")
        items = self.items[dimension]
        foreign = [item.key for item in items if item.key in hashes and hashes[item.key] != item.sha256]
        if foreign:
            raise DataError(f"the {feature} features in {self.run.features_dir} were made from other images than "
                            f"{self.run.samples_path.name} lists (e.g. {foreign[0]})",
                            f"re-score the run so sidecars and samples agree: `divgenbench score {self.run.root}`")
        return FeatureTable(items, [records.get(item.key) or FeatureRecord(MISSING, message="not in the sidecar")
                                    for item in items])


def open_run(path: Path | str) -> LoadedRun:
    """A run directory or its results.json."""
    file = results_path(path)
    return LoadedRun(file, load_results(file))
