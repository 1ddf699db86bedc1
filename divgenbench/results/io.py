"""Read, check and write results files; every problem comes back at once with the field at fault.

``check_results_*`` never raise on bad input: they return the parsed ``Results`` (or None) and a list of
``Problem(path, message)`` where ``path`` is the dotted field path (``scores.ids.value``), or ``(json)``
with line and column when the text is not JSON at all. ``load_results`` raises one ``DataError`` listing
them, for commands that need a valid file.

Results files come from other people, so reading is strict and bounded: pydantic's strict mode (as the
published JSON Schema says, ``"0.5"``, ``true`` and ``"yes"`` are not numbers), at most
:data:`MAX_JSON_BYTES` read, integers of at most :data:`MAX_INT_DIGITS` digits, no ``NaN``/``Infinity``
literals or floats that overflow to infinity, and nesting past Python's recursion limit is one problem,
never a traceback.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import DataError
from ..rundir import RunDir, atomic_write_bytes
from .models import Results

ROOT = "(root)"
JSON_TEXT = "(json)"
FILE = "(file)"
#: [choice] a results file is ~10–100 kB (a skipped-image list of a 10,000-image run stays below 2 MB)
MAX_JSON_BYTES = 16 << 20
#: [choice] seeds and counts fit in 20 digits; Python itself refuses ints past 4,300 digits with a ValueError
MAX_INT_DIGITS = 20


class _NotStrictJSON(ValueError):
    """A number this reader refuses (raised from inside ``json.loads``)."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _NotStrictJSON(f"an integer with {len(text.lstrip('-'))} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotStrictJSON(f"the number {text[:40]} overflows a float")
    return value


def _no_constant(name: str) -> float:
    raise _NotStrictJSON(f"{name} is not a JSON number")


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
    """Strict JSON: standard numbers only, bounded integers, finite floats (see the module docstring)."""
    if len(text) > MAX_JSON_BYTES:
        return None, [Problem(FILE, f"{len(text)} bytes is over the {MAX_JSON_BYTES}-byte limit for a JSON file")]
    try:
        return json.loads(text, parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_no_constant), []
    except UnicodeDecodeError as exc:
        return None, [Problem(JSON_TEXT, f"not UTF-8 text (byte {exc.start})")]
    except json.JSONDecodeError as exc:
        return None, [Problem(JSON_TEXT, f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")]
    except _NotStrictJSON as exc:
        return None, [Problem(JSON_TEXT, f"{exc}: write plain finite numbers")]
    except RecursionError:
        return None, [Problem(JSON_TEXT, "JSON nested too deeply")]


def read_bounded(path: Path, limit: int | None = None) -> bytes:
    """At most ``limit`` (default :data:`MAX_JSON_BYTES`) + 1 bytes of ``path`` (a caller seeing more refuses
    the file): a 10 GB file or an endless device is never read whole. Raises ``OSError`` like ``read_bytes``."""
    with open(path, "rb") as fh:
        return fh.read((MAX_JSON_BYTES if limit is None else limit) + 1)


def read_json_file(path: Path) -> tuple[Any, list[Problem]]:
    try:
        data = read_bounded(path)
    except OSError as exc:
        return None, [Problem(FILE, f"cannot read {path}: {exc.strerror or exc}")]
    return parse_json_text(data)


def check_results_data(data: Any) -> tuple[Results | None, list[Problem]]:
    """Strict validation: no type coercion (``"0.5"`` is not a number, ``true`` not a count)."""
    try:
        return Results.model_validate(data, strict=True), []
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
