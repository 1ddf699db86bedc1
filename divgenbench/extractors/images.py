"""Reading images for extractors: a file that cannot be decoded becomes an ``unreadable`` record."""

from __future__ import annotations

import numpy as np

from ..images import UnreadableImage, decode_rgb
from .base import FeatureRecord

UNREADABLE = "unreadable"


def load_rgb(path) -> tuple[np.ndarray | None, FeatureRecord | None]:
    """(H×W×3 uint8 array, None) or (None, failure record)."""
    try:
        return decode_rgb(path), None
    except UnreadableImage as exc:
        return None, FeatureRecord(UNREADABLE, message=str(exc))
