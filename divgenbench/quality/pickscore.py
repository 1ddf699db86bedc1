"""PickScore (Kirstain et al. 2023, "Pick-a-Pic"): a CLIP ViT-H/14 fine-tuned on Pick-a-Pic preferences.

Scale (SPEC §8): the raw cosine, i.e. the official score ÷ 100 (the official score multiplies by the model's
``logit_scale.exp()`` = 100); paper scale ≈ 0.24. Weights: ``yuvalkirstain/PickScore_v1`` ``model.safetensors``
as a transformers ``CLIPModel``; processor (tokenizer files) from ``laion/CLIP-ViT-H-14-laion2B-s32B-b79K``, as
the authors' example does. ``tiny-pickscore``: the same ``CLIPModel`` class at toy size, seeded random weights.
"""

from __future__ import annotations

from typing import Any

from .. import store
from .base import QualityInfo
from .hf_clip import BundledTokenizer, HfClipScorer, PinnedHfClip
from .torch_base import SeededRandomWeights

PROCESSOR_REPO = "laion/CLIP-ViT-H-14-laion2B-s32B-b79K"
PROCESSOR_REVISION = "1c2b8495b28150b8a4922ee1c8edee224c284c0c"
# pins: docs/weights.md (the LAION tokenizer files' sha256 are not known yet: hashed on first use)
PICKSCORE_WEIGHTS = store.register_weight(store.WeightFile(
    entry="pickscore-v1", hub_id="yuvalkirstain/PickScore_v1", filename="model.safetensors",
    revision="a4e4367c6dfa7288a00c550414478f865b875800",
    sha256="ef31ef6fc5ff4d9bb90dd232df4e145887ba62c5a03aa2841415f8c25f18d52e",
    license="MIT", note="PickScore_v1 CLIP ViT-H/14 (transformers CLIPModel)"))
LAION_H14_VOCAB = store.register_weight(store.WeightFile(
    entry="clip-vit-h-14-laion-vocab", hub_id=PROCESSOR_REPO, filename="vocab.json", revision=PROCESSOR_REVISION,
    license="MIT", note="PickScore's processor: CLIP BPE vocabulary"))
LAION_H14_MERGES = store.register_weight(store.WeightFile(
    entry="clip-vit-h-14-laion-merges", hub_id=PROCESSOR_REPO, filename="merges.txt", revision=PROCESSOR_REVISION,
    license="MIT", note="PickScore's processor: CLIP BPE merges"))

#: ``CLIPModel`` config of PickScore_v1 (LAION's ViT-H/14: GELU, 1024-d projection).
VIT_H_14: dict[str, Any] = {
    "projection_dim": 1024,
    "text": {"hidden_size": 1024, "intermediate_size": 4096, "num_attention_heads": 16, "num_hidden_layers": 24,
             "hidden_act": "gelu"},
    "vision": {"hidden_size": 1280, "intermediate_size": 5120, "num_attention_heads": 16, "num_hidden_layers": 32,
               "patch_size": 14, "image_size": 224, "hidden_act": "gelu"},
}
TINY_VIT_H_14: dict[str, Any] = {
    "projection_dim": 32,
    "text": {"hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 2, "num_hidden_layers": 2,
             "hidden_act": "gelu"},
    "vision": {"hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2,
               "patch_size": 32, "image_size": 224, "hidden_act": "gelu"},
}

PICKSCORE_INFO = QualityInfo(
    name="PickScore", full_name="PickScore v1", scale="raw cosine = official score / 100 (paper scale ≈ 0.24)",
    range=(-1.0, 1.0),
    conventions={"backbone": "CLIP ViT-H/14 (transformers CLIPModel)", "processor": PROCESSOR_REPO,
                 "truncation": "77 tokens", "similarity": "cos(image, text), no logit scale"})


class PickScoreScorer(PinnedHfClip, HfClipScorer):
    """PickScore_v1 from the weight store."""

    name = "pickscore"
    info = PICKSCORE_INFO
    config = VIT_H_14
    what = "PickScore_v1 CLIPModel"
    weight_entries = (PICKSCORE_WEIGHTS.entry, LAION_H14_VOCAB.entry, LAION_H14_MERGES.entry)


class TinyPickScoreScorer(SeededRandomWeights, BundledTokenizer, HfClipScorer):
    """PickScore's architecture (``CLIPModel``, GELU) at toy size with seeded random weights: no download."""

    name = "tiny-pickscore"
    info = PICKSCORE_INFO
    config = TINY_VIT_H_14
