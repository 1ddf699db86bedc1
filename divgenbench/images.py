"""Reading images for extractors: every failure becomes a per-image status, never a traceback."""

from __future__ import annotations

import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

from .base import FeatureRecord

UNREADABLE = "unreadable"
MAX_PIXELS = 64_000_000  # larger images are refused per image rather than risking memory


def load_rgb(path) -> tuple[np.ndarray | None, FeatureRecord | None]:
    """(H×W×3 uint8 array, None) or (None, failure record). Handles grayscale, RGBA, 16-bit, palette."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if im.width * im.height > MAX_PIXELS:
                    return None, FeatureRecord(UNREADABLE, message=f"{im.width}x{im.height} exceeds {MAX_PIXELS} pixels")
                im.load()
                return _to_rgb8(im), None
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        return None, FeatureRecord(UNREADABLE, message=f"{type(exc).__name__}: {exc}")


def _to_rgb8(im: Image.Image) -> np.ndarray:
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float64)
        scale = 65535.0 if arr.max(initial=0) > 255 else 255.0
        gray = np.clip(np.round(arr / scale * 255.0), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        background = Image.new("RGBA", im.size, (255, 255, 255, 255))  # composite on white
        im = Image.alpha_composite(background, im)
    return np.asarray(im.convert("RGB"), dtype=np.uint8)
