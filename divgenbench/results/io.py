"""Read, check and write results files; every problem comes back at once with the field at fault.

``check_results_*`` never raise on bad input: they return the parsed ``Results`` (or None) and a list of
``Problem(path, message)`` where ``path`` is the dotted field path (``scores.ids.value``), or ``(json)``
with line and column when the text is not JSON at all. ``load_results`` raises one ``DataError`` listing
them, for commands that need a valid file.

Results files come from other people, so reading is strict and bounded: pydantic's strict mode (as the
published JSON Schema says, ``"0.5"``, ``true`` and ``"yes"`` are not numbers) over
:mod:`divgenbench.strictjson` (bounded size and integers, finite numbers, bounded nesting): each problem is
one ``Problem``, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import strictjson
from ..errors import DataError
from ..rundir import RunDir, atomic_write_bytes
from .models import Results

ROOT = "(root)"
JSON_TEXT = "(json)"
FILE = "(file)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: ``path`` names the field (dotted) or the text position."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def dotted(loc: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in loc) or ROOT


def problems_from_validation(error: ValidationError, prefix: Sequence[str | int] = ()) -> list[Problem]:
    return [Problem(dotted((*prefix, *e["loc"])), e["msg"].removeprefix("Value error, "))
            for e in error.errors(include_url=False)]


def results_path(path: Path | str) -> Path:
    """A run directory or a results file → the results file."""
    path = Path(path)
    return RunDir(path).results_path if path.is_dir() else path


def parse_json_text(text: str | bytes) -> tuple[Any, list[Problem]]:
    """Strict JSON (see :mod:`divgenbench.strictjson`) of at most ``MAX_JSON_BYTES``."""
    size = strictjson.too_big(text)
    if size:
        return None, [Problem(FILE, f"the file is {size} for a JSON file")]
    try:
        return strictjson.loads(text), []
    except strictjson.JSONInputError as exc:
        return None, [Problem(JSON_TEXT, str(exc))]


def read_json_file(path: Path) -> tuple[Any, list[Problem]]:
    try:
        data = strictjson.read_bounded(path)
    except OSError as exc:
        return None, [Problem(FILE, f"cannot read {path}: {exc.strerror or exc}")]
    return parse_json_text(data)


def check_results_data(data: Any) -> tuple[Results | None, list[Problem]]:
    """Strict validation: no type coercion (``"0.5"`` is not a number, ``true`` not a count)."""
    try:  # JSON-mode strict: a JSON array is a valid tuple, a string is never a number
        return Results.model_validate_json(json.dumps(data), strict=True), []
    except ValidationError as exc:
        return None, problems_from_validation(exc)
    except RecursionError:
        return None, [Problem(ROOT, "nested too deeply")]


def check_results_text(text: str | bytes) -> tuple[Results | None, list[Problem]]:
    data, problems = parse_json_text(text)
    return (None, problems) if problems else check_results_data(data)


def check_results_file(path: Path | str) -> tuple[Results | None, list[Problem]]:
    data, problems = read_json_file(results_path(path))
    return (None, problems) if problems else check_results_data(data)


def load_results(path: Path | str) -> Results:
    """A valid ``Results`` or one ``DataError`` naming the file and every problem in it."""
    file = results_path(path)
    results, problems = check_results_file(file)
    if results is None:
        listed = "; ".join(str(p) for p in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise DataError(f"{file} is not a valid results file: {listed}{more}",
                        f"run `divgenbench validate {file}` for the full list")
    return results


def write_results(results: Results, path: Path) -> None:
    atomic_write_bytes(path, (results.model_dump_json(indent=2) + "\n").encode())
