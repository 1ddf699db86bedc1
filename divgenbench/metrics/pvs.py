"""Photographic Variance Score (SPEC §4 PVS, higher is better): spread of per-image saturation, brightness
and contrast across the Tonal images.

Per image on RGB/255: s = mean HSV saturation (max−min)/max (0 where max = 0), v = mean of max(R, G, B),
c = population std of the grayscale 0.299R + 0.587G + 0.114B.

Speed and precision. Pixels stream through in cache-sized chunks (a chunk spans several small images or part
of a large one) and every image keeps four float64 sums: Σ saturation, Σ max, Σ g and Σ g², g = 1000·gray =
299R + 587G + 114B. g is an integer below 2^24, so its float32 matrix product is exact; v is exact; each
pixel's saturation is one correctly rounded float32 division. Against a per-pixel float64 reference (colorsys)
all three agree within 1e-6 absolute (tested), in practice within about 1e-8.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from divgenbench.metrics._validate import as_finite_2d, as_prompt_index, as_uint8_images, require_rows
from divgenbench.metrics.bootstrap import PromptStatistic, prompt_sums

PHOTOMETRIC_TOLERANCE = 1e-6
_PIXELS_PER_CHUNK = 2**18
_GRAY_WEIGHTS_X1000 = np.array([299, 587, 114], dtype=np.float32)


def _photometric_sums(batch: np.ndarray) -> np.ndarray:
    """(N, 4) float64 per-image sums of saturation, max, g and g² over an (N, H, W, 3) uint8 batch."""
    pixels_per_image = batch.shape[1] * batch.shape[2]
    pixels = batch.reshape(-1, 3)
    sums = np.zeros((batch.shape[0], 4))
    for start in range(0, pixels.shape[0], _PIXELS_PER_CHUNK):
        chunk = pixels[start : start + _PIXELS_PER_CHUNK]
        red, green, blue = chunk[:, 0], chunk[:, 1], chunk[:, 2]
        brightest = np.maximum(np.maximum(red, green), blue)
        darkest = np.minimum(np.minimum(red, green), blue)
        saturation = np.divide(brightest - darkest, np.maximum(brightest, 1), dtype=np.float32)
        gray = (chunk.astype(np.float32) @ _GRAY_WEIGHTS_X1000).astype(np.float64)
        first_image = start // pixels_per_image
        image_starts = np.arange(first_image, (start + len(chunk) - 1) // pixels_per_image + 1) * pixels_per_image
        segments = np.maximum(image_starts - start, 0)
        images = slice(first_image, first_image + segments.size)
        sums[images, 0] += np.add.reduceat(saturation, segments, dtype=np.float64)
        sums[images, 1] += np.add.reduceat(brightest, segments, dtype=np.float64)
        sums[images, 2] += np.add.reduceat(gray, segments)
        sums[images, 3] += np.add.reduceat(gray * gray, segments)
    return sums


def _stats_from_sums(sums: np.ndarray, pixels_per_image: np.ndarray) -> np.ndarray:
    means = sums / pixels_per_image[:, None]
    gray_variance = np.maximum(means[:, 3] - means[:, 2] ** 2, 0) / (1000 * 255) ** 2
    return np.column_stack([means[:, 0], means[:, 1] / 255, np.sqrt(gray_variance)])


def photometric_stats(images: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
    """(N, 3) float64 (s, v, c) of uint8 RGB images: an (N, H, W, 3) batch or a list of (H, W, 3) arrays."""
    if isinstance(images, np.ndarray):
        batches = [as_uint8_images("images", images)]
    else:
        batches = [as_uint8_images(f"images[{i}]", np.asarray(image)) for i, image in enumerate(images)]
    if not batches or sum(batch.shape[0] for batch in batches) == 0:
        raise ValueError("images is empty; photometric statistics need at least one image")
    sums = np.concatenate([_photometric_sums(batch) for batch in batches])
    pixels = np.concatenate([np.full(batch.shape[0], batch.shape[1] * batch.shape[2]) for batch in batches])
    return _stats_from_sums(sums, pixels.astype(np.float64))


def pvs_from_moments(count: np.ndarray | float, sums: np.ndarray, sums_of_squares: np.ndarray) -> np.ndarray:
    """Σ over (s, v, c) of the population std, from N, Σx and Σx² (last axis = the 3 channels)."""
    count = np.asarray(count, dtype=np.float64)[..., None]
    variance = np.maximum(sums_of_squares / count - (sums / count) ** 2, 0)
    return np.sqrt(variance).sum(axis=-1)


def _checked_stats(stats: ArrayLike) -> np.ndarray:
    values = as_finite_2d("stats", stats, columns=3).astype(np.float64)
    require_rows("stats", values, 1, "images")
    return values


def photographic_variance_score(stats: ArrayLike) -> float:
    """PVS = std(s) + std(v) + std(c) over (N, 3) photometric triples, population std (ddof 0)."""
    values = _checked_stats(stats)
    centred = values - values.mean(axis=0)  # variance is shift-free; centring avoids cancellation
    return float(pvs_from_moments(values.shape[0], centred.sum(axis=0), (centred**2).sum(axis=0)))


def pvs_statistic(stats: ArrayLike, prompt_index: ArrayLike | None = None) -> PromptStatistic:
    """PVS over prompt resamples from per-prompt counts, sums and sums of squares (centred)."""
    values = _checked_stats(stats)
    centred = values - values.mean(axis=0)
    index, n_prompts = as_prompt_index("prompt_index", prompt_index, values.shape[0])
    sums = prompt_sums(centred, index, n_prompts)
    squares = prompt_sums(centred**2, index, n_prompts)
    sizes = np.bincount(index, minlength=n_prompts).astype(np.float64)
    return PromptStatistic(n_prompts, lambda counts: pvs_from_moments(counts @ sizes, counts @ sums, counts @ squares))
