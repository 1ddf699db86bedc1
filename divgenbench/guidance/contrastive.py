"""Contrastive guidance (arXiv 2602.18799, "Rethinking Preference Alignment for Diffusion Models with
Classifier-Free Guidance"), the per-step arithmetic.

Two modules are fine-tuned from the same base, one on preferred and one on rejected images. At each denoising
step their predictions of the same noisy latent give a preference direction, added to the base prediction the
way classifier-free guidance adds its text direction:

    prediction = base + strength · (positive − negative)

strength 0 returns the base prediction itself (byte-identical images). The modules may be LoRA adapters on the
base transformer or full checkpoints; either way each model runs one batched forward per step.

Diffusion-NPO (negative preference optimisation) trains a single model on *reversed* preferences: run it as the
negative branch with the base model itself as the positive branch, which gives base + strength · (base − npo).

:class:`ContrastiveGuidance` is the guidance plug-in ``contrastive-guidance``: ``others=POSITIVE+NEGATIVE`` (in
that order), e.g. ``--model-args method=contrastive-guidance,base=flux-dev,others=POS+NEG,strength=1.5``; for
Diffusion-NPO name the base model itself as POSITIVE and the NPO model as NEGATIVE.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from .base import GuidanceArgs, GuidanceMethod


def contrast(base, positive, negative, strength: float):
    """base + strength·(positive − negative) on tensors (or arrays); `base` itself at strength 0."""
    if strength == 0:
        return base
    return base + (positive - negative) * strength


class ContrastiveArgs(GuidanceArgs):
    strength: float = Field(1.0, ge=0.0, description="weight of the preference direction (0: the base alone)")


class ContrastiveGuidance(GuidanceMethod):
    """``contrastive-guidance``: base + strength·(positive − negative); others are POSITIVE+NEGATIVE."""

    name = "contrastive-guidance"
    Args = ContrastiveArgs
    min_others = 2
    max_others = 2

    def combine(self, predictions: Sequence[Any], t: float, step: int, num_steps: int) -> Any:
        base, positive, negative = predictions
        return contrast(base, positive, negative, self.args.strength)
