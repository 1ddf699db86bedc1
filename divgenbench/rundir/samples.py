"""A run's per-image records (``samples.jsonl``) and the extractor items built from them.

Evaluation, rescoring, ``compare`` and ``report`` all turn samples into :class:`ImageItem` here, so every
reader sees the same keys, attributes and prompt texts the evaluation scored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from ..errors import DataError
from ..extractors.base import ImageItem
from ..generators.base import GeneratedImage
from ..prompts.bank import PromptBank
from ..protocol import DIMENSIONS
from . import RunDir, atomic_write_bytes


def write_samples(run: RunDir, samples: Sequence[GeneratedImage]) -> None:
    """The consolidated ``samples.jsonl`` sidecar, sorted as the bank is."""
    lines = "".join(json.dumps(asdict(s), sort_keys=True) + "\n" for s in samples)
    atomic_write_bytes(run.samples_path, lines.encode())


def read_samples(run: RunDir) -> list[GeneratedImage]:
    """The per-image records of a run; a broken line is an error naming the line."""
    try:
        lines = run.samples_path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"cannot read {run.samples_path}: {exc.strerror or exc}",
                        "keep samples.jsonl next to results.json (it is written by `divgenbench eval`)") from exc
    samples = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            samples.append(GeneratedImage(**json.loads(line)))
        except (json.JSONDecodeError, TypeError) as exc:
            raise DataError(f"{run.samples_path} line {number} is not a sample record ({exc})",
                            "restore the file, or re-run `divgenbench eval` on the run directory") from exc
    return samples


def image_items(samples: Sequence[GeneratedImage], bank: PromptBank, run: RunDir) -> dict[str, list[ImageItem]]:
    """Extractor items per dimension, in run order, carrying each prompt's attributes and text."""
    prompts = bank.by_id()
    by_dimension: dict[str, list[ImageItem]] = {d: [] for d in DIMENSIONS}
    for s in samples:
        prompt = prompts[s.prompt_id]
        by_dimension[s.dimension].append(ImageItem(f"{s.prompt_id}_{s.k}", run.root / s.path, s.sha256, s.dimension,
                                                   s.prompt_id, prompt.attributes, prompt.text))
    return by_dimension
