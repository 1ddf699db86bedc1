"""Input checks shared by every metric, so each error names the argument and the problem the same way."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def as_finite_2d(name: str, array: ArrayLike, *, columns: int | None = None) -> np.ndarray:
    """Return `array` as a 2-D real array (dtype kept, so float32 features stay float32), or raise."""
    values = np.asarray(array)
    if values.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows, features), got shape {values.shape}")
    if not (np.issubdtype(values.dtype, np.floating) or np.issubdtype(values.dtype, np.integer)):
        raise ValueError(f"{name} must hold real numbers, got dtype {values.dtype}")
    if columns is not None and values.shape[1] != columns:
        raise ValueError(f"{name} must have {columns} columns, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return values


def require_rows(name: str, values: np.ndarray, minimum: int, what: str) -> None:
    if values.shape[0] < minimum:
        raise ValueError(f"{name} needs at least {minimum} {what}, got {values.shape[0]}")


def row_norms(name: str, values: np.ndarray) -> np.ndarray:
    """Float64 L2 norms of the rows; a zero row has no direction, so it is refused."""
    norms = np.sqrt(np.einsum("ij,ij->i", values, values, dtype=np.float64))
    zero_rows = np.flatnonzero(norms == 0)
    if zero_rows.size:
        raise ValueError(f"{name} has zero-norm rows (first at index {zero_rows[0]}); they have no direction")
    return norms


def unit_rows(name: str, array: ArrayLike) -> np.ndarray:
    """Checked, L2-normalised rows in float64."""
    values = as_finite_2d(name, array)
    return values / row_norms(name, values)[:, None]


def check_same_length(name_a: str, length_a: int, name_b: str, length_b: int) -> None:
    if length_a != length_b:
        raise ValueError(f"{name_a} and {name_b} must have the same length, got {length_a} and {length_b}")


def as_prompt_index(name: str, prompt_index: ArrayLike | None, n_items: int) -> tuple[np.ndarray, int]:
    """Prompt id (0..P-1) of each item; None means one item per prompt. Returns (index, P)."""
    if prompt_index is None:
        return np.arange(n_items), n_items
    index = np.asarray(prompt_index)
    if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer):
        raise ValueError(f"{name} must be a 1-D integer array, got shape {index.shape} and dtype {index.dtype}")
    check_same_length(name, index.shape[0], "the scored items", n_items)
    if n_items == 0 or index.min() < 0:
        raise ValueError(f"{name} must hold non-negative prompt numbers for at least one item")
    return index.astype(np.int64), int(index.max()) + 1


def as_boxes(name: str, boxes: ArrayLike) -> np.ndarray:
    """(k, 4) xyxy boxes in [0, 1] with x1 <= x2 and y1 <= y2, as float64; [] is an empty layout."""
    values = np.asarray(boxes, dtype=np.float64)
    if values.size == 0:
        return values.reshape(0, 4)
    values = as_finite_2d(name, values, columns=4)
    if values.min() < 0 or values.max() > 1:
        raise ValueError(f"{name} has coordinates outside [0, 1]; boxes must be normalised xyxy")
    if (values[:, 2] < values[:, 0]).any() or (values[:, 3] < values[:, 1]).any():
        raise ValueError(f"{name} has a box with x2 < x1 or y2 < y1; boxes must be xyxy")
    return values
