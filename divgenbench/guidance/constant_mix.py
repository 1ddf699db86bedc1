"""``constant-mix``: w·(other model's prediction) + (1 − w)·(base prediction) at every step.

The smallest guidance method: it proves the contract (w = 0 is the base alone, w = 1 the other model alone,
byte for byte) and is a baseline for the real methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from .base import GuidanceArgs, GuidanceMethod


class ConstantMixArgs(GuidanceArgs):
    w: float = Field(0.5, ge=0.0, le=1.0, description="weight of the other model's prediction")


class ConstantMix(GuidanceMethod):
    name = "constant-mix"
    Args = ConstantMixArgs

    def combine(self, predictions: Sequence[Any], t: float, step: int, num_steps: int) -> Any:
        base, other = predictions
        return self.args.w * other + (1.0 - self.args.w) * base
