"""Strict, bounded JSON for files other people send: results, entries, manifests, prompt banks, sidecars.

``json.loads`` alone accepts ``NaN`` and ``Infinity``, turns ``1e999`` into infinity, raises a bare
``ValueError`` on a 5,000-digit integer and a ``RecursionError`` on deep nesting; a plain ``read_bytes`` reads a
10 GB file whole. Here each of those is one :class:`JSONInputError` naming the problem, and files are read up
to a bound.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .errors import DataError

#: [choice] a results file is ~10–100 kB (a skipped-image list of a 10,000-image run stays below 2 MB)
MAX_JSON_BYTES = 16 << 20
#: [choice] seeds and counts fit in 20 digits; Python itself refuses ints past 4,300 digits with a ValueError
MAX_INT_DIGITS = 20


class JSONInputError(ValueError):
    """Text that is not strict JSON; the message says where or what."""


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise JSONInputError(f"an integer with {digits} digits (at most {MAX_INT_DIGITS}): write plain finite numbers")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONInputError(f"the number {text[:40]} overflows a float: write plain finite numbers")
    return value


def _no_constant(name: str) -> float:
    raise JSONInputError(f"{name} is not a JSON number: write plain finite numbers")


def loads(text: str | bytes) -> Any:
    """``json.loads`` that refuses NaN/Infinity, overflowing floats, huge integers and deep nesting."""
    try:
        return json.loads(text, parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise JSONInputError(f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise JSONInputError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise JSONInputError("JSON nested too deeply") from None


def read_bounded(path: Path | str, limit: int | None = None) -> bytes:
    """At most ``limit`` (default :data:`MAX_JSON_BYTES`) + 1 bytes of ``path``; a caller seeing more refuses the
    file, so a 10 GB file or an endless device is never read whole. Raises ``OSError`` like ``read_bytes``."""
    with open(path, "rb") as fh:
        return fh.read((MAX_JSON_BYTES if limit is None else limit) + 1)


def too_big(data: bytes | str, limit: int | None = None) -> str | None:
    """Why ``data`` is refused for its size, or None."""
    limit = MAX_JSON_BYTES if limit is None else limit
    return f"over the {limit}-byte limit" if len(data) > limit else None


def read_text(path: Path | str, what: str, *, fix: str, unreadable_fix: str | None = None,
              limit: int | None = None, encoding: str = "utf-8") -> str:
    """The text of a file someone else made, read up to a bound: unreadable, not UTF-8 or too big is one
    ``DataError`` naming ``what`` (e.g. "manifest") and the path, with ``fix`` (``unreadable_fix`` when the file
    cannot be read at all). ``encoding`` ``utf-8-sig`` also accepts a byte-order mark (spreadsheet exports)."""
    try:
        data = read_bounded(path, limit)
    except OSError as exc:
        raise DataError(f"cannot read {what} {path}: {exc.strerror or exc}", unreadable_fix or fix) from exc
    if too_big(data, limit):
        raise DataError(f"{what} {path} is {too_big(data, limit)}", fix)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(f"{what} {path} is not UTF-8 text (byte {exc.start})", fix) from exc
