"""Decoding image files to RGB uint8 arrays, shared by the ``folder`` generator and every extractor.

Every failure becomes a per-image reason (``UnreadableImage``), never a traceback. The decoding rules are part
of every extractor fingerprint through ``IMAGE_DECODING_VERSION``. Images may come from anywhere (the
``folder`` adapter), so each is brought to 8-bit RGB by rules stated here rather than by whatever the file's
values happen to be:

- [choice] EXIF orientation is applied first (a phone photo tagged "rotate 90°" is scored upright, as every
  viewer shows it).
- Integer greyscale deeper than 8 bits is scaled by its **bit depth**, not by its values: 16-bit ``I;16``
  divides by 65535, so a dark 16-bit image stays dark instead of being stretched. ``I`` (32-bit) takes the
  depth the file declares (TIFF BitsPerSample; a PNG ``I`` is 16-bit), else 32 bits.
- [choice] Floating-point images (``F``, e.g. float TIFFs) are read as intensities in [0, 1], the convention
  of float image files; values outside are clipped.
- [choice] Alpha: transparent pixels are composited over opaque white (straight alpha), as a page shows
  them; a palette image with a transparent colour counts as having alpha.
"""

from __future__ import annotations

import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

#: bump with any change to what ``decode_rgb`` returns: it invalidates every cached feature
IMAGE_DECODING_VERSION = "2"  # 2: bit-depth scaling, EXIF orientation, float images
MAX_PIXELS = 64_000_000  # larger images are refused per image rather than risking memory
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N")
TIFF_BITS_PER_SAMPLE = 258


class UnreadableImage(ValueError):
    """The file cannot be decoded as an image; the message says why."""


def decode_rgb(path) -> np.ndarray:
    """H×W×3 uint8 array of any PIL-readable file, by the rules in the module docstring."""
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


def bit_depth(im: Image.Image) -> int:
    """Bits per sample of an integer greyscale image deeper than 8 bits."""
    if im.mode in SIXTEEN_BIT_MODES:
        return 16
    declared = getattr(im, "tag_v2", {}).get(TIFF_BITS_PER_SAMPLE) if im.format == "TIFF" else None
    if declared:
        return int(declared[0] if isinstance(declared, tuple) else declared)
    return 16 if im.format == "PNG" else 32


def _to_rgb8(im: Image.Image) -> np.ndarray:
    deep = im.mode in (*SIXTEEN_BIT_MODES, "I")
    full_scale = 2.0 ** bit_depth(im) - 1 if deep else 255.0  # read before transposing drops the file's tags
    im = ImageOps.exif_transpose(im)
    if deep:
        return _grey_to_rgb8(np.asarray(im, dtype=np.float64) / full_scale)
    if im.mode == "F":
        return _grey_to_rgb8(np.asarray(im, dtype=np.float64))
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        background = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, im)
    return np.asarray(im.convert("RGB"), dtype=np.uint8)


def _grey_to_rgb8(unit: np.ndarray) -> np.ndarray:
    """[0, 1] greyscale intensities (clipped) → H×W×3 uint8."""
    grey = np.round(np.clip(np.nan_to_num(unit, nan=0.0), 0.0, 1.0) * 255.0).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)
