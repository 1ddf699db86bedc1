"""A run's per-image records (``samples.jsonl``) and the extractor items built from them.

Evaluation, rescoring, ``compare`` and ``report`` all turn samples into :class:`ImageItem` here, so every
reader sees the same keys, attributes and prompt texts the evaluation scored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from .. import strictjson
from ..errors import DataError
from ..extractors.base import ImageItem
from ..generators.base import GeneratedImage
from ..prompts.bank import PROMPT_ID_PATTERN, PromptBank
from ..protocol import ALL_PROMPT_DIMENSIONS
from . import RunDir, atomic_write_bytes


def write_samples(run: RunDir, samples: Sequence[GeneratedImage]) -> None:
    """The consolidated ``samples.jsonl`` sidecar, sorted as the bank is."""
    lines = "".join(json.dumps(asdict(s), sort_keys=True) + "\n" for s in samples)
    atomic_write_bytes(run.samples_path, lines.encode())


def read_samples(run: RunDir) -> list[GeneratedImage]:
    """The per-image records of a run; a broken line is an error naming the line."""
    lines = strictjson.read_text(run.samples_path, "samples file",
                                 fix="restore the file, or re-run `divgenbench eval` on the run directory",
                                 unreadable_fix="keep samples.jsonl next to results.json (it is written by "
                                                "`divgenbench eval`)").splitlines()
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
    if not PROMPT_ID_PATTERN.match(record["prompt_id"]) or record["dimension"] not in ALL_PROMPT_DIMENSIONS:
        return f"prompt {record['prompt_id'][:60]!r} of dimension {record['dimension'][:20]!r} is not a bank prompt"
    if record["k"] < 0 or not re.fullmatch(r"[0-9a-f]{64}", record["sha256"]):
        return "k is negative or sha256 is not 64 lowercase hex digits"
    return None


def image_items(samples: Sequence[GeneratedImage], bank: PromptBank, run: RunDir) -> dict[str, list[ImageItem]]:
    """Extractor items per dimension, in run order, carrying each prompt's attributes and text."""
    prompts = bank.by_id()
    strangers = [s.prompt_id for s in samples if s.prompt_id not in prompts or prompts[s.prompt_id].dimension
                 != s.dimension]
    if strangers:
        raise DataError(f"{run.samples_path} names prompts its bank does not hold as listed (e.g. {strangers[0]!r})",
                        "restore samples.jsonl, or re-run `divgenbench eval`")
    by_dimension: dict[str, list[ImageItem]] = {d: [] for d in ALL_PROMPT_DIMENSIONS}
    for s in samples:
        prompt = prompts[s.prompt_id]
        by_dimension[s.dimension].append(ImageItem(f"{s.prompt_id}_{s.k}", run.root / s.path, s.sha256, s.dimension,
                                                   s.prompt_id, prompt.attributes, prompt.text))
    return by_dimension
