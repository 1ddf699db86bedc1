"""HPS-v2.1 (Wu et al. 2023, "Human Preference Score v2"): an OpenCLIP ViT-H/14 fine-tuned on HPDv2.

The score is the raw cosine between the image and prompt embeddings (SPEC §8; paper scale ≈ 0.31), as the
authors' ``hpsv2.score`` computes it (``image_features @ text_features.T`` of unit vectors, no logit scale).

Weights: ``xswu/HPSv2`` ``HPS_v2.1_compressed.pt`` (fp16 tensors under ``state_dict``), loaded into mainline
open_clip's ``CLIP`` built from its bundled ``ViT-H-14`` config with no pretrained tag, so nothing else
downloads (the LAION base weights the reference code fetches first are all overwritten by the checkpoint).
Tokenizer: open_clip's bundled OpenAI BPE, lower-cased, 77 tokens (longer prompts are cut and end with EOT).
Preprocessing: as ``hpsv2.score`` (``light_augmentation=True``): the float tensor's longer side resized to 224
(torchvision bicubic, antialiased), black padding centred to 224×224, OpenAI mean/std; no clamp.

``tiny-hps-v2.1`` is the same open_clip ``CLIP`` class at toy size with seeded random weights, built in code.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from .. import store
from ..extractors.runtime import SingleWeightFile
from .base import QualityInfo
from .torch_base import (
    CLIP_MEAN,
    CLIP_STD,
    CosineScorer,
    PixelPreprocessing,
    SeededRandomWeights,
    load_exact,
    read_torch_checkpoint,
)

HPS_V21 = store.register_weight(store.WeightFile(  # pins: docs/weights.md
    entry="hps-v2.1", hub_id="xswu/HPSv2", filename="HPS_v2.1_compressed.pt",
    revision="697403c78157020a1ae59d23f111aa58ced35b0a",
    sha256="c57a38fb4a2f7e7c15bf00da2ea377cdf165448b4dd1052a484c215a998c9837",
    license="Apache-2.0", note="HPS v2.1 OpenCLIP ViT-H/14 reward model (fp16 state dict)"))

#: open_clip's bundled ``ViT-H-14`` config, spelled out so the architecture is visible and pinned here.
VIT_H_14: dict[str, Any] = {
    "embed_dim": 1024,
    "vision_cfg": {"image_size": 224, "layers": 32, "width": 1280, "head_width": 80, "patch_size": 14},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 1024, "heads": 16, "layers": 24},
}
TINY_CLIP: dict[str, Any] = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 224, "layers": 2, "width": 64, "head_width": 16, "patch_size": 32},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 2},
}

HPS_INFO = QualityInfo(
    name="HPS-v2.1", full_name="Human Preference Score v2.1", scale="raw cosine (paper scale ≈ 0.31)",
    range=(-1.0, 1.0),
    conventions={"backbone": "OpenCLIP ViT-H/14", "truncation": "77 tokens (open_clip BPE, lower-cased)",
                 "similarity": "cos(image, text), no logit scale"})


def build_open_clip(config: dict[str, Any]):
    """Mainline open_clip's ``CLIP`` for ``config`` (random init; no pretrained weights are fetched)."""
    from open_clip.model import CLIP

    return CLIP(embed_dim=config["embed_dim"], vision_cfg=dict(config["vision_cfg"]),
                text_cfg=dict(config["text_cfg"]))


class _HpsScorer(CosineScorer):
    """HPS on an open_clip ``CLIP``; subclasses say where the weights come from."""

    info = HPS_INFO
    preprocessing = PixelPreprocessing(224, CLIP_MEAN, CLIP_STD, fit="pad", clamp=False)  # hpsv2's ResizeMaxSize
    config: ClassVar[dict[str, Any]]

    @cached_property
    def tokenizer(self):
        from open_clip.tokenizer import SimpleTokenizer

        return SimpleTokenizer(context_length=self.config["text_cfg"]["context_length"])

    def _build_architecture(self):
        return build_open_clip(self.config)

    def _image_features(self, model_input):
        return self.model.encode_image(model_input)

    def _text_features(self, prompts: Sequence[str]):
        return self.model.encode_text(self.tokenizer(list(prompts)).to(self.device))


class HpsScorer(SingleWeightFile, _HpsScorer):
    """HPS-v2.1 from the weight store, or from a local ``checkpoint`` (.pt / .safetensors)."""

    name = "hps-v2.1"
    config = VIT_H_14
    weight_entry = HPS_V21.entry
    weight_label = "HPS-v2.1 checkpoint"
    weight_entries = (HPS_V21.entry,)

    def __init__(self, checkpoint: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._set_local_weights(checkpoint)

    def _build(self):
        state = read_torch_checkpoint(self.weights_file, self.weight_label, self.weight_entry)  # fails fast
        model = self._build_architecture()
        load_exact(model, state, self.weights_file, self.weight_label)
        return model


class TinyHpsScorer(SeededRandomWeights, _HpsScorer):
    """HPS-v2.1's architecture (open_clip ``CLIP``) at toy size with seeded random weights: no download."""

    name = "tiny-hps-v2.1"
    config = TINY_CLIP
