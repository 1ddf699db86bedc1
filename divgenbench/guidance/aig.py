"""Annealed Importance Guidance, AIG (Jena et al., WACV 2025, arXiv 2409.06493), the per-step arithmetic.

Each denoising step mixes two predictions of the same noisy latent, the base model's and the reward-fine-tuned
model's: prediction = (1 − γ)·base + γ·fine_tuned. γ rises monotonically over sampling, so the base model
shapes the early, high-noise steps (composition, layout: where diversity is decided) and the fine-tuned model the
late ones (detail and finish: where the reward gains live).

Time convention. The paper writes γ(t) = 1 − (1 − t/T)² with t counting sampling steps from the start (t = 0 at
pure noise, t = T at the clean image), i.e. t/T is sampling *progress*. The guidance kind passes the noise level
instead, `t` in [0, 1] with 1 = pure noise, so progress = 1 − t here (for FLUX's flow-matching sigmas, t is the
sigma of the step). At the first step γ(0) = 0 (base alone); γ reaches 1 only at progress 1.

Schedules, γ as a function of progress s in [0, 1]:
- `power` (paper default, exponent 2): γ = 1 − (1 − s)^exponent; exponent 1 is linear;
- `sigmoid`: a logistic step of slope `sharpness` centred on `midpoint`, rescaled to run exactly from 0 to 1;
- `step`: 0 before `switch`, 1 from `switch` on (base for the first part of sampling, fine-tuned after);
- `constant`: γ ≡ `weight`, the endpoints used to check the mixing (0: base alone, 1: fine-tuned alone).
At γ = 0 or 1 the chosen prediction is returned as is, so those images are byte-identical to one model's.

:class:`AnnealedImportanceGuidance` is the guidance plug-in ``aig`` (others = the one fine-tuned model), e.g.
``--model-args method=aig,base=flux-dev,others=flux-d2align@checkpoint=CKPT,schedule=power``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from .base import GuidanceArgs, GuidanceMethod

SCHEDULES = ("power", "sigmoid", "step", "constant")
Schedule = Literal["power", "sigmoid", "step", "constant"]


def aig_gamma(
    progress: float,
    schedule: Schedule = "power",
    *,
    exponent: float = 2.0,
    sharpness: float = 10.0,
    midpoint: float = 0.5,
    switch: float = 0.5,
    weight: float = 1.0,
) -> float:
    """γ, the fine-tuned model's weight, at sampling progress `progress` (0 = pure noise, 1 = clean)."""
    if not 0 <= progress <= 1:
        raise ValueError(f"progress must be in [0, 1], got {progress}")
    if schedule == "power":
        return 1.0 - (1.0 - progress) ** exponent
    if schedule == "sigmoid":
        def logistic(s: float) -> float:
            return 1.0 / (1.0 + math.exp(-sharpness * (s - midpoint)))

        low, high = logistic(0.0), logistic(1.0)
        return (logistic(progress) - low) / (high - low)
    if schedule == "step":
        return 1.0 if progress >= switch else 0.0
    if schedule == "constant":
        return weight
    raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {schedule!r}")


def mix(base, fine_tuned, gamma: float):
    """(1 − γ)·base + γ·fine_tuned on tensors (or arrays); the input itself at γ = 0 or 1."""
    if gamma == 0:
        return base
    if gamma == 1:
        return fine_tuned
    return base * (1.0 - gamma) + fine_tuned * gamma


class AIGArgs(GuidanceArgs):
    schedule: Schedule = Field("power", description="how γ rises over sampling: power, sigmoid, step, constant")
    exponent: float = Field(2.0, gt=0.0, description="power schedule: γ = 1 − (1 − progress)^exponent")
    sharpness: float = Field(10.0, gt=0.0, description="sigmoid schedule: slope of the logistic step")
    midpoint: float = Field(0.5, ge=0.0, le=1.0, description="sigmoid schedule: progress at its centre")
    switch: float = Field(0.5, ge=0.0, le=1.0, description="step schedule: progress from which γ = 1")
    weight: float = Field(1.0, ge=0.0, le=1.0, description="constant schedule: γ at every step")


class AnnealedImportanceGuidance(GuidanceMethod):
    """``aig``: (1 − γ)·base + γ·fine_tuned with γ a function of sampling progress = 1 − noise level."""

    name = "aig"
    Args = AIGArgs

    def gamma(self, t: float) -> float:
        """γ at noise level ``t``; progress is clamped into [0, 1] because schedulers' first sigma may round
        a hair above 1 (or a DDPM timestep above num_train_timesteps − 1 / num_train_timesteps)."""
        progress = min(1.0, max(0.0, 1.0 - t))
        options = self.args.model_dump(exclude={"schedule"})
        return aig_gamma(progress, self.args.schedule, **options)

    def combine(self, predictions: Sequence[Any], t: float, step: int, num_steps: int) -> Any:
        base, fine_tuned = predictions
        return mix(base, fine_tuned, self.gamma(t))
