"""``lora-scale``: the LoRA-scaling baseline, one scale s for every step: base + s·(tuned − base).

The usual way to trade reward for diversity without a schedule is to apply a fine-tune (typically a LoRA) at a
reduced strength. Here the scale acts on the two models' *predictions*, the same at every step, so it is the
constant-in-time baseline that AIG's annealed γ(t) is compared against. It equals scaling the LoRA weights
themselves only to first order in s (the network is not linear in its weights); s = 0 is the base and s = 1 the
tuned model, byte for byte, and s > 1 extrapolates past the tuned model.

``--model-args method=lora-scale,base=flux-dev,others=flux-d2align@checkpoint=CKPT,scale=0.5``
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from .aig import mix
from .base import GuidanceArgs, GuidanceMethod


class LoraScaleArgs(GuidanceArgs):
    scale: float = Field(0.5, ge=0.0, description="s in base + s·(tuned − base), the same at every step")


class LoraScale(GuidanceMethod):
    name = "lora-scale"
    Args = LoraScaleArgs

    def combine(self, predictions: Sequence[Any], t: float, step: int, num_steps: int) -> Any:
        base, tuned = predictions
        return mix(base, tuned, self.args.scale)  # (1 − s)·base + s·tuned = base + s·(tuned − base)
