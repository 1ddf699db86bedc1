"""Helpers for extractor tests: images with their real sha256, and a counter of model forward passes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

from divgenbench.extractors.base import ImageItem


def image_item(path: Path, key: str | None = None, prompt_id: str = "id-0001") -> ImageItem:
    """An ImageItem whose sha256 is the file's real hash (the feature cache's key)."""
    return ImageItem(key or path.stem, path, hashlib.sha256(path.read_bytes()).hexdigest(), "id", prompt_id)


def noise_images(folder: Path, count: int, size: int = 64, seed: int = 0) -> list[ImageItem]:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for i in range(count):
        path = folder / f"noise-{seed}-{i}.png"
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(path)
        items.append(image_item(path, prompt_id=f"id-{i:04d}"))
    return items


class OnnxRunCounter:
    """Counts onnxruntime session runs (every model forward pass of the insightface path)."""

    def __init__(self, monkeypatch):
        import onnxruntime

        self.calls = 0
        original = onnxruntime.InferenceSession.run

        def counting_run(session, *args, **kwargs):
            self.calls += 1
            return original(session, *args, **kwargs)

        monkeypatch.setattr(onnxruntime.InferenceSession, "run", counting_run)
