"""Training prompts: HPDv2's train prompts (hub id + revision) or a local file.

A local file is plain text (one prompt a line), a JSON list (strings, or objects with a ``prompt`` field — the
HPDv2 ``train.json`` layout) or JSONL of such objects. Duplicates are kept in order: HPDv2 repeats prompts
across annotated pairs, and the repeat count is part of the training distribution.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import DataError
from .config import PromptsConfig


def _prompt_of(row, where: str) -> str:
    text = row if isinstance(row, str) else (row.get("prompt") if isinstance(row, dict) else None)
    if not isinstance(text, str) or not text.strip():
        raise DataError(f"{where}: a row has no prompt text", "give strings or objects with a 'prompt' field")
    return text.strip()


def read_prompt_file(path: Path) -> list[str]:
    if not path.is_file():
        raise DataError(f"prompt file {path} does not exist", "fix prompts.path in the training config")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".json":
            rows = json.loads(text)
            if not isinstance(rows, list):
                raise DataError(f"{path} holds a JSON {type(rows).__name__}, not a list",
                                "give a list of prompts or of objects with a 'prompt' field")
        elif path.suffix == ".jsonl":
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            rows = [line for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON ({exc.msg}, line {exc.lineno})", "fix or re-export the file") from exc
    prompts = [_prompt_of(row, str(path)) for row in rows]
    if not prompts:
        raise DataError(f"prompt file {path} holds no prompts", "give at least one prompt")
    return prompts


def load_training_prompts(config: PromptsConfig) -> list[str]:
    """The prompt list; hub files come through huggingface_hub (offline: the usual one-line error)."""
    if config.path:
        return read_prompt_file(Path(config.path).expanduser())
    from huggingface_hub import hf_hub_download

    from ..generators.hub import load_pretrained

    def download(repo_id: str, **options) -> str:
        return hf_hub_download(repo_id, filename=config.filename, repo_type="dataset", **options)

    local = load_pretrained(download, config.hub_id, revision=config.revision,
                            what=f"the training prompts ({config.filename})", arg="prompts.path")
    return read_prompt_file(Path(local))
