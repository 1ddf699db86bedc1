"""Guidance methods: inference-time combinations of denoiser predictions (registry ``GUIDANCE``, entry-point
group ``divgenbench.guidance``); each method is one module plus its test, used through the ``guided``
generator with any diffusers-based generator as the base."""

from ..registry import Registry
from .base import GuidanceArgs, GuidanceMethod, guide_pipeline

GUIDANCE: Registry[type[GuidanceMethod]] = Registry("guidance", base=GuidanceMethod)
GUIDANCE.register("constant-mix", "divgenbench.guidance.constant_mix:ConstantMix")
GUIDANCE.register("aig", "divgenbench.guidance.aig:AnnealedImportanceGuidance")
GUIDANCE.register("contrastive-guidance", "divgenbench.guidance.contrastive:ContrastiveGuidance")
GUIDANCE.register("lora-scale", "divgenbench.guidance.lora_scale:LoraScale")

__all__ = ["GUIDANCE", "GuidanceArgs", "GuidanceMethod", "guide_pipeline"]
