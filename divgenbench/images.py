"""Decoding image files to RGB uint8 arrays, shared by the ``folder`` generator and every extractor.

Every failure becomes a per-image reason (``UnreadableImage``), never a traceback. The decoding rules are part
of every extractor fingerprint through ``IMAGE_DECODING_VERSION``.
"""

from __future__ import annotations

import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

#: bump with any change to what ``decode_rgb`` returns: it invalidates every cached feature
IMAGE_DECODING_VERSION = "1"
MAX_PIXELS = 64_000_000  # larger images are refused per image rather than risking memory


class UnreadableImage(ValueError):
    """The file cannot be decoded as an image; the message says why."""


def decode_rgb(path) -> np.ndarray:
    """H×W×3 uint8 array of any PIL-readable file (grayscale, RGBA on white, 16-bit scaled, palette)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if im.width * im.height > MAX_PIXELS:
                    raise UnreadableImage(f"{im.width}x{im.height} exceeds {MAX_PIXELS} pixels")
                im.load()
                return _to_rgb8(im)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        if isinstance(exc, UnreadableImage):
            raise
        raise UnreadableImage(f"{type(exc).__name__}: {exc}") from exc


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
