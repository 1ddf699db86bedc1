"""CLIP score: cos(image, prompt) of OpenAI CLIP ViT-L/14 (``openai/clip-vit-large-patch14``), per image.

Scale (SPEC §8): the raw cosine (≈ 0.3), prompt cut to 77 tokens. Not torchmetrics' ``CLIPScore``: that one
multiplies by 100, clamps at 0 and averages over the batch before reporting, so per-image values and intervals
are lost (and it breaks on transformers 5). ``tiny-clip-score``: the same ``CLIPModel`` (QuickGELU) at toy size.
"""

from __future__ import annotations

from typing import Any

from .. import store
from .base import QualityInfo
from .hf_clip import BundledTokenizer, HfClipScorer, PinnedHfClip
from .torch_base import SeededRandomWeights

OPENAI_L14 = "openai/clip-vit-large-patch14"
OPENAI_L14_REVISION = "32bd64288804d66eefd0ccbe215aa642df71cc41"  # pins: docs/weights.md
CLIP_L14_WEIGHTS = store.register_weight(store.WeightFile(
    entry="clip-vit-l-14", hub_id=OPENAI_L14, filename="model.safetensors", revision=OPENAI_L14_REVISION,
    sha256="a2bf730a0c7debf160f7a6b50b3aaf3703e7e88ac73de7a314903141db026dcb",
    license="MIT", note="OpenAI CLIP ViT-L/14 (transformers CLIPModel)"))
CLIP_L14_VOCAB = store.register_weight(store.WeightFile(
    entry="clip-vit-l-14-vocab", hub_id=OPENAI_L14, filename="vocab.json", revision=OPENAI_L14_REVISION,
    sha256="3f0c4f7d2086b61b38487075278ea9ed04edb53a03cbb045b86c27190fa8fb69",
    license="MIT", note="OpenAI CLIP BPE vocabulary"))
CLIP_L14_MERGES = store.register_weight(store.WeightFile(
    entry="clip-vit-l-14-merges", hub_id=OPENAI_L14, filename="merges.txt", revision=OPENAI_L14_REVISION,
    sha256="9fd691f7c8039210e0fced15865466c65820d09b63988b0174bfe25de299051a",
    license="MIT", note="OpenAI CLIP BPE merges"))

#: ``CLIPModel`` config of ``openai/clip-vit-large-patch14`` (QuickGELU, 768-d projection).
VIT_L_14: dict[str, Any] = {
    "projection_dim": 768,
    "text": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12, "num_hidden_layers": 12,
             "hidden_act": "quick_gelu"},
    "vision": {"hidden_size": 1024, "intermediate_size": 4096, "num_attention_heads": 16, "num_hidden_layers": 24,
               "patch_size": 14, "image_size": 224, "hidden_act": "quick_gelu"},
}
TINY_VIT_L_14: dict[str, Any] = {
    "projection_dim": 24,
    "text": {"hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 2, "num_hidden_layers": 2,
             "hidden_act": "quick_gelu"},
    "vision": {"hidden_size": 48, "intermediate_size": 96, "num_attention_heads": 4, "num_hidden_layers": 2,
               "patch_size": 32, "image_size": 224, "hidden_act": "quick_gelu"},
}

CLIP_SCORE_INFO = QualityInfo(
    name="CLIP score", full_name="CLIP score (OpenAI CLIP ViT-L/14)",
    scale="raw cosine (≈ 0.3), not ×100, not clamped",
    range=(-1.0, 1.0),
    conventions={"backbone": "OpenAI CLIP ViT-L/14 (transformers CLIPModel)", "truncation": "77 tokens",
                 "similarity": "cos(image, text) per image"})


class ClipScoreScorer(PinnedHfClip, HfClipScorer):
    """CLIP score on ``openai/clip-vit-large-patch14`` from the weight store."""

    name = "clip-score"
    info = CLIP_SCORE_INFO
    config = VIT_L_14
    what = "OpenAI CLIP ViT-L/14 CLIPModel"
    weight_entries = (CLIP_L14_WEIGHTS.entry, CLIP_L14_VOCAB.entry, CLIP_L14_MERGES.entry)


class TinyClipScoreScorer(SeededRandomWeights, BundledTokenizer, HfClipScorer):
    """CLIP score's architecture (``CLIPModel``, QuickGELU) at toy size with seeded random weights."""

    name = "tiny-clip-score"
    info = CLIP_SCORE_INFO
    config = TINY_VIT_L_14
