"""``leaderboard submit``: wrap a results file in a leaderboard entry, checked exactly as ``validate`` checks.

The results go into the entry as the file's own JSON object, unmodified, so the entry's ``results`` is
byte-for-byte what ``divgenbench eval`` wrote (only re-indented); the submission fields are what a
results file cannot know. Nothing is written when a problem remains: a submitter fixes it locally, not in
review.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..results.io import FILE, Problem, check_results_data, read_json_file, results_path
from .entries import ENTRY_VERSION, check_entry_bytes, is_bare_results

NON_NAME_CHARACTERS = re.compile(r"[^a-z0-9]+")


def entry_file_stem(display_name: str) -> str:
    """A display name as the entry's kebab-case file stem ("FLUX.1-dev + LoRA" → "flux-1-dev-lora")."""
    return NON_NAME_CHARACTERS.sub("-", display_name.lower()).strip("-") or "entry"


def build_entry(results: Path, submission: dict[str, str | None], name: str) -> tuple[bytes, list[Problem]]:
    """The entry file's bytes for ``results`` (a run folder or results.json) and every problem with it.

    ``name`` is the entry's file stem; ``submission`` holds the Submission fields (None = not given).
    """
    raw, problems = read_json_file(results_path(results))
    if problems:
        return b"", problems
    if not is_bare_results(raw):
        return b"", [Problem(FILE, f"{results_path(results)} is not a results file (pass the run folder or the "
                                   "results.json that `divgenbench eval` wrote)")]
    _, problems = check_results_data(raw)
    if problems:
        return b"", [Problem(f"results.{p.path}", p.message) for p in problems]
    entry = {"entry_version": ENTRY_VERSION, "kind": "reproduced",
             "submission": {key: value for key, value in submission.items() if value is not None}, "results": raw}
    data = (json.dumps(entry, indent=2, ensure_ascii=False) + "\n").encode()
    return data, check_entry_bytes(name, data)[1]
