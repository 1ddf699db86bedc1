"""The built-in generators pass the generator kit (folder on a user's images, tiny-flux on random weights)."""

from __future__ import annotations

import pytest
from generator_kit import check_generator, kit_requests
from PIL import Image

from divgenbench.generators import GENERATORS, GenerationSettings

SETTINGS = GenerationSettings(batch_size=4)


def test_folder_passes_the_kit(tmp_path):
    requests = kit_requests()
    lines = []
    for i, request in enumerate(requests[:-1]):  # the last request has no file: an Unavailable output
        Image.new("RGB", (32, 32), (40 * i, 90, 200)).save(tmp_path / f"{i}.png")
        lines.append(f'{{"prompt_id": "{request.prompt_id}", "k": {request.k}, "file": "{i}.png"}}')
    (tmp_path / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    cls = GENERATORS.get("folder")
    check_generator(cls, lambda **extra: cls(SETTINGS, {"path": str(tmp_path), **extra}), requests)


@pytest.mark.slow
def test_tiny_flux_passes_the_kit():
    cls = GENERATORS.get("tiny-flux")
    check_generator(cls, lambda **extra: cls(SETTINGS, extra))
