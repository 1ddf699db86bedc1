"""Every registered extractor that runs without downloads passes the extractor kit."""

from __future__ import annotations

import pytest
from extractor_kit import check_extractor

from divgenbench.extractors import EXTRACTORS


def test_photometric_passes_the_kit(tmp_path):
    check_extractor(EXTRACTORS.get("photometric"), tmp_path, dimension="tonal")


@pytest.mark.slow
@pytest.mark.parametrize(("name", "dimension"), [("tiny-csd", "style"), ("tiny-arcface", "id"),
                                                 ("tiny-grounding-dino", "layout"), ("tiny-yolo", "layout")])
def test_tiny_extractors_pass_the_kit(tmp_path, name, dimension):
    check_extractor(EXTRACTORS.get(name), tmp_path, dimension=dimension, atol=1e-4)
