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
"""

from __future__ import annotations


def contrast(base, positive, negative, strength: float):
    """base + strength·(positive − negative) on tensors (or arrays); `base` itself at strength 0."""
    if strength == 0:
        return base
    return base + (positive - negative) * strength
