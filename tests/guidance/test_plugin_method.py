"""A guidance method is one module plus its test (issue 11, "Done when"): this module defines a throwaway method,
registers it, and runs it through the ``guided`` generator on tiny FLUX transformers with no edit elsewhere; it
passes the guidance kit, including registration in a fresh process."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from guidance_kit import check_method, guided, pixels, same_images, tiny_flux_pixels, transformer_alone_pixels
from pydantic import Field

from divgenbench.guidance import GUIDANCE, GuidanceArgs, GuidanceMethod

NAME = "test-hand-over"
TARGET = "test_plugin_method:HandOver"


class HandOverArgs(GuidanceArgs):
    at: float = Field(0.5, ge=0.0, le=1.0, description="noise level at which the other model takes over")


class HandOver(GuidanceMethod):
    """The base model's prediction while the noise level is above ``at``, the other's below: the bluntest
    schedule, and a throwaway plug-in."""

    name = NAME
    Args = HandOverArgs

    def combine(self, predictions: Sequence[Any], t: float, step: int, num_steps: int) -> Any:
        base, other = predictions
        return base if t > self.args.at else other


if NAME not in GUIDANCE:  # the one line that adds a method: register its name (or an entry point)
    GUIDANCE.register(NAME, TARGET)
SETUP = f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n" \
        f"from divgenbench.guidance import GUIDANCE\nGUIDANCE.register({NAME!r}, {TARGET!r})"


def test_the_throwaway_method_passes_the_guidance_kit():
    check_method(GUIDANCE.get(NAME), registered_as=NAME, setup=SETUP)


@pytest.mark.slow
def test_it_runs_through_the_guided_generator_with_no_edit_elsewhere():
    base_alone, other_alone = tiny_flux_pixels(0), transformer_alone_pixels(0, 1)
    assert same_images(pixels(guided(NAME, 0, [1], at=1.0)), other_alone)  # t ≤ 1 at every step: the other
    assert same_images(pixels(guided(NAME, 0, [1], at=0.0)), base_alone)  # t > 0 at every step: the base
    handed_over = pixels(guided(NAME, 0, [1], at=0.5))
    assert not same_images(handed_over, base_alone) and not same_images(handed_over, other_alone)
    assert same_images(handed_over, pixels(guided(NAME, 0, [1], at=0.5)))  # seeded: the same bytes again
