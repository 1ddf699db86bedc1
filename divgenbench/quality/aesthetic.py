"""Aesthetic Predictor v2.5 (discus0434): a SigLIP so400m image embedding scored by a small MLP, scale 1–10.

The score is ``head(e / |e|)`` with ``e`` SigLIP's pooled image embedding (``pooler_output`` of the vision
tower's attention-pooling head), exactly the authors' ``AestheticPredictorV2_5Model.forward``; the head is
five linear layers with dropout between them (no activation), so it is affine in the unit embedding.

Weights: ``google/siglip-so400m-patch14-384`` ``model.safetensors`` (the full SigLIP; only its vision tower is
read) and the v2.5 head, published only in the authors' GitHub repository: pinned here by commit URL and
sha256 (``aesthetic-v2.5-head``); ``head_checkpoint=`` takes a local copy instead. Preprocessing: SigLIP's
processor squashes to 384×384 (no crop), scales to [-1, 1] (mean = std = 0.5).

``tiny-aesthetic-v2.5``: the same SigLIP vision class at toy size and the same head, seeded random weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from .. import store
from ..extractors.runtime import weight_identity, weight_path
from .base import QualityInfo
from .torch_base import (
    PixelPreprocessing,
    SeededRandomWeights,
    TorchScorer,
    combined_identity,
    dropout_mlp,
    load_exact,
    read_torch_checkpoint,
)

SIGLIP_REPO = "google/siglip-so400m-patch14-384"
HEAD_COMMIT = "3125a9e1f275092432ffc336f2908eda812c373c"
SIGLIP_SO400M = store.register_weight(store.WeightFile(  # pins: docs/weights.md
    entry="siglip-so400m-patch14-384", hub_id=SIGLIP_REPO, filename="model.safetensors",
    revision="9fdffc58afc957d1a03a25b10dba0329ab15c2a3",
    sha256="ea2abad2b7f8a9c1aa5e49a244d5d57ffa71c56f720c94bc5d240ef4d6e1d94a",
    license="Apache-2.0", note="SigLIP so400m/14 at 384 px (Aesthetic Predictor v2.5's encoder)"))
AESTHETIC_V25_HEAD = store.register_weight(store.WeightFile(
    entry="aesthetic-v2.5-head", hub_id="github.com/discus0434/aesthetic-predictor-v2-5",
    filename="aesthetic_predictor_v2_5.pth", revision=HEAD_COMMIT,
    sha256="a6caf256b3dc434273c98dcb12f6bf17c5d4fc647d8df11f038386923dd06220",
    url=f"https://github.com/discus0434/aesthetic-predictor-v2-5/raw/{HEAD_COMMIT}/models/aesthetic_predictor_v2_5.pth",
    license="AGPL-3.0", note="Aesthetic Predictor v2.5 scoring head (bf16 state dict, GitHub only)"))

#: ``SiglipVisionConfig`` of so400m/14 at 384 px.
SO400M: dict[str, Any] = {"hidden_size": 1152, "intermediate_size": 4304, "num_attention_heads": 16,
                          "num_hidden_layers": 27, "patch_size": 14, "image_size": 384}
TINY_SIGLIP: dict[str, Any] = {"hidden_size": 48, "intermediate_size": 96, "num_attention_heads": 4,
                               "num_hidden_layers": 2, "patch_size": 32, "image_size": 384}
HEAD_WIDTHS = (1024, 128, 64, 16, 1)
HEAD_DROPOUT = (0.5, 0.5, 0.5, 0.2)  # inactive in eval; kept so the layer indices match the released keys

AESTHETIC_INFO = QualityInfo(
    name="Aesthetic", full_name="Aesthetic Predictor v2.5", scale="1–10 as released (5.5+ is very good)",
    range=(-100.0, 100.0),  # affine in a unit vector: unbounded in principle; the released head stays near 1–10
    conventions={"backbone": "SigLIP so400m/14 @ 384", "embedding": "pooler_output, L2-normalised",
                 "prompt": "not used"})


def build_aesthetic_model(vision: dict[str, Any]):
    """SigLIP vision tower + the v2.5 scoring head; ``forward(pixels) -> (B,)`` scores."""
    from torch import nn
    from transformers import SiglipVisionConfig, SiglipVisionModel

    class AestheticHead(nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            self.scoring_head = dropout_mlp(width, HEAD_WIDTHS, HEAD_DROPOUT)

    class AestheticV25(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = SiglipVisionModel(SiglipVisionConfig(**vision))
            self.head = AestheticHead(vision["hidden_size"])

        def forward(self, pixels):
            embedding = self.encoder(pixel_values=pixels).pooler_output
            return self.head.scoring_head(nn.functional.normalize(embedding, dim=-1)).squeeze(-1)

    return AestheticV25()


def vision_tower_state(state: dict[str, Any]) -> dict[str, Any]:
    """The vision tower's tensors under ``SiglipVisionModel``'s keys: the hub file is a whole ``SiglipModel``
    whose vision keys start ``vision_model.`` (transformers 5 strips that prefix on load; so do we)."""
    prefix = "vision_model."
    if not any(key.startswith(prefix) for key in state):
        return state
    return {key.removeprefix(prefix): value for key, value in state.items() if key.startswith(prefix)}


class _AestheticScorer(TorchScorer):
    """Aesthetic Predictor v2.5; subclasses say where the weights come from. The prompt is not used."""

    info = AESTHETIC_INFO
    preprocessing = PixelPreprocessing(384, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), fit="squash")
    vision: ClassVar[dict[str, Any]]

    def _build_architecture(self):
        return build_aesthetic_model(self.vision)

    def reward_preprocessed(self, model_input, prompts: Sequence[str]):
        return self.model(model_input).float()


class AestheticScorer(_AestheticScorer):
    """SigLIP from the weight store; the head from the store or a local ``head_checkpoint``."""

    name = "aesthetic-v2.5"
    vision = SO400M
    weight_entries = (SIGLIP_SO400M.entry, AESTHETIC_V25_HEAD.entry)

    def __init__(self, head_checkpoint: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.local_head = Path(head_checkpoint).expanduser() if head_checkpoint else None

    @classmethod
    def weights_status(cls) -> str:
        return ", ".join(f"{entry}: {store.status(entry)}" for entry in cls.weight_entries)

    def _files(self) -> tuple[Path, Path]:
        """(encoder, head); a user-given head that does not exist is reported first."""
        head = weight_path(self.local_head, AESTHETIC_V25_HEAD.entry, "Aesthetic v2.5 head")
        return store.resolve(SIGLIP_SO400M.entry), head

    def _build(self):
        encoder_file, head_file = self._files()  # fails fast, before building
        encoder_state = read_torch_checkpoint(encoder_file, "SigLIP so400m checkpoint", SIGLIP_SO400M.entry)
        head_state = read_torch_checkpoint(head_file, "Aesthetic v2.5 head", AESTHETIC_V25_HEAD.entry)
        model = self._build_architecture()
        load_exact(model.encoder, vision_tower_state(encoder_state), encoder_file, "SigLIP so400m/14-384")
        load_exact(model.head, head_state, head_file, "Aesthetic Predictor v2.5 head")
        return model

    def _identity(self) -> tuple[str, str | None, str | None]:
        self._files()  # a missing file is the clear error, before hashing
        head_id, _, head_sha = weight_identity(self.local_head, AESTHETIC_V25_HEAD.entry)
        return combined_identity([weight_identity(None, SIGLIP_SO400M.entry),
                                  (head_id, AESTHETIC_V25_HEAD.revision, head_sha)])


class TinyAestheticScorer(SeededRandomWeights, _AestheticScorer):
    """Aesthetic v2.5's architecture (SigLIP vision + v2.5 head) at toy size, seeded random weights."""

    name = "tiny-aesthetic-v2.5"
    vision = TINY_SIGLIP
