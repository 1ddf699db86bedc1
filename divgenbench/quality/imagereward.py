"""ImageReward v1.0 (Xu et al. 2023): BLIP's ViT-L/16 image encoder, BLIP's BERT text encoder reading the
image through cross-attention, and an MLP on the [CLS] feature; reported as released, (raw − 0.16717)/1.03334.

The ``image-reward`` package pins ``timm==0.6.13`` and ``fairscale``, so it never enters our environment; the
checkpoint loads into libraries we have, key for key:

- ``blip.visual_encoder``: BLIP's ViT is timm's ``VisionTransformer`` (same parameter names; LayerNorm eps 1e-6,
  exact GELU, all tokens after the final norm);
- ``blip.text_encoder``: BLIP's ``med.py`` BERT is what transformers ported as ``BlipTextModel`` (cross-attention
  in every layer, no token-type embeddings); it runs bidirectionally (``is_decoder=False``), as
  ImageReward's ``score`` does in BLIP's default multimodal mode;
- ``mlp.layers``: five linear layers with dropout between the first four (no activation).

Weights: ``THUDM/ImageReward`` ``ImageReward.pt``. The text config is the one its ``med_config.json`` gives (BERT
base, vocabulary 30524 = BERT's 30522 + BLIP's ``[DEC]`` and ``[ENC]``, cross-attention width 1024 = the ViT's),
spelled out below. Tokenizer: BERT ``bert-base-uncased`` WordPiece (``vocab.txt``, pinned: the reference
fetches it at run time), padded and cut to 35 tokens as ImageReward does. Preprocessing: CLIP's (224, bicubic,
centre crop, OpenAI mean/std).

``tiny-imagereward``: the same three modules at toy size and a toy WordPiece vocabulary, seeded random weights.
"""

from __future__ import annotations

import string
from abc import abstractmethod
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from .. import store
from ..errors import DataError
from ..extractors.runtime import SingleWeightFile, weight_identity
from .base import QualityInfo
from .torch_base import (
    CLIP_MEAN,
    CLIP_STD,
    PixelPreprocessing,
    SeededRandomWeights,
    TorchScorer,
    combined_identity,
    dropout_mlp,
    load_exact,
    read_torch_checkpoint,
)

IMAGEREWARD = store.register_weight(store.WeightFile(  # pins: docs/weights.md
    entry="imagereward-v1.0", hub_id="THUDM/ImageReward", filename="ImageReward.pt",
    revision="5736be03b2652728fb87788c9797b0570450ab72",
    sha256="d71dc8d4912bc633c06ab8ef1ef6a81e8199d4369f14b47b29baf1d19de561f6",
    license="Apache-2.0", note="ImageReward v1.0 (BLIP ViT-L + BERT cross-attention + MLP)"))
BERT_VOCAB = store.register_weight(store.WeightFile(
    entry="bert-base-uncased-vocab", hub_id="google-bert/bert-base-uncased", filename="vocab.txt",
    revision="86b5e0934494bd15c9632b12f734a8a67f723594",
    sha256="07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    license="Apache-2.0", note="WordPiece vocabulary ImageReward's BLIP tokenizer loads at run time"))

MAX_TOKENS = 35
REWARD_MEAN = 0.16717362830052426
REWARD_STD = 1.0333394966054072
BLIP_EXTRA_TOKENS = ("[DEC]", "[ENC]")  # BLIP's bos and encoder tokens, appended after BERT's vocabulary

#: BLIP ViT-L/16 at 224 px (timm ``VisionTransformer`` arguments) and ImageReward's ``med_config.json``.
BLIP_VIT_L: dict[str, Any] = {"img_size": 224, "patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16}
MED_CONFIG: dict[str, Any] = {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
                              "num_attention_heads": 12, "max_position_embeddings": 512, "layer_norm_eps": 1e-12}
TINY_VIT: dict[str, Any] = {"img_size": 224, "patch_size": 32, "embed_dim": 48, "depth": 2, "num_heads": 4}
TINY_MED: dict[str, Any] = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                            "num_attention_heads": 2, "max_position_embeddings": 64, "layer_norm_eps": 1e-12}
MLP_WIDTHS = (1024, 128, 64, 16, 1)
MLP_DROPOUT = (0.2, 0.2, 0.1)  # after the first three linear layers; keeps the released layer indices

IMAGEREWARD_INFO = QualityInfo(
    name="ImageReward", full_name="ImageReward v1.0", scale="as released: (raw − 0.16717) / 1.03334",
    range=(-100.0, 100.0),  # affine in the [CLS] feature: unbounded in principle; released values lie near ±3
    conventions={"backbone": "BLIP ViT-L/16 + BERT-base cross-attention", "truncation": "35 BERT tokens",
                 "normalisation": f"(raw - {REWARD_MEAN}) / {REWARD_STD}"})


def build_imagereward(vit: dict[str, Any], text: dict[str, Any], vocab_size: int):
    """ImageReward's modules under its checkpoint's names (``blip.visual_encoder``, ``blip.text_encoder``,
    ``mlp.layers``); ``forward(pixels, input_ids, attention_mask) -> (B,)`` rewards on the released scale."""
    from functools import partial

    import torch
    from timm.models.vision_transformer import VisionTransformer
    from torch import nn
    from transformers import BlipTextConfig
    from transformers.models.blip.modeling_blip_text import BlipTextModel

    class Blip(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.visual_encoder = VisionTransformer(**vit, mlp_ratio=4.0, qkv_bias=True, num_classes=0,
                                                    global_pool="", norm_layer=partial(nn.LayerNorm, eps=1e-6))
            config = BlipTextConfig(vocab_size=vocab_size, encoder_hidden_size=vit["embed_dim"], is_decoder=True,
                                    bos_token_id=None, sep_token_id=None, eos_token_id=None, **text)
            self.text_encoder = BlipTextModel(config, add_pooling_layer=False)  # is_decoder: builds cross-attention

    class Mlp(nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            self.layers = dropout_mlp(width, MLP_WIDTHS, MLP_DROPOUT)

    class ImageRewardModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blip = Blip()
            self.mlp = Mlp(text["hidden_size"])

        def forward(self, pixels, input_ids, attention_mask):
            image = self.blip.visual_encoder.forward_features(pixels)
            image_mask = torch.ones(image.shape[:-1], dtype=torch.long, device=image.device)
            text = self.blip.text_encoder(input_ids=input_ids, attention_mask=attention_mask,
                                          encoder_hidden_states=image, encoder_attention_mask=image_mask,
                                          is_decoder=False)
            raw = self.mlp.layers(text.last_hidden_state[:, 0, :]).squeeze(-1)
            return (raw - REWARD_MEAN) / REWARD_STD

    return ImageRewardModel()


def toy_wordpiece_vocab() -> list[str]:
    """BERT's special tokens, then lower-case letters, digits and punctuation, each also as a ``##`` piece:
    every prompt tokenizes (character by character) with the real WordPiece code."""
    characters = string.ascii_lowercase + string.digits + string.punctuation
    return ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *characters, *(f"##{c}" for c in characters)]


def read_wordpiece_vocab(path: Path) -> list[str]:
    """Tokens of a BERT ``vocab.txt``, one per line, in id order."""
    try:
        tokens = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read BERT vocabulary {path}: {exc}",
                        f"re-download it with `divgenbench models download {BERT_VOCAB.entry}`") from exc
    if "[CLS]" not in tokens or "[SEP]" not in tokens:
        raise DataError(f"{path} is not a BERT WordPiece vocabulary (no [CLS]/[SEP])",
                        f"re-download it with `divgenbench models download {BERT_VOCAB.entry}`")
    return tokens


class _ImageRewardScorer(TorchScorer):
    """ImageReward on timm + transformers modules; subclasses say where weights and vocabulary come from."""

    info = IMAGEREWARD_INFO
    preprocessing = PixelPreprocessing(224, CLIP_MEAN, CLIP_STD)
    vit: ClassVar[dict[str, Any]]
    text: ClassVar[dict[str, Any]]

    @abstractmethod
    def _vocabulary(self) -> list[str]:
        """WordPiece tokens in id order: the pinned ``vocab.txt``, or the tiny twin's toy vocabulary."""

    @cached_property
    def tokenizer(self):
        from transformers import BertTokenizer

        vocab = {token: index for index, token in enumerate(self._vocabulary())}
        return BertTokenizer(vocab=vocab, do_lower_case=True)

    def _build_architecture(self):
        return build_imagereward(self.vit, self.text, len(self._vocabulary()) + len(BLIP_EXTRA_TOKENS))

    def reward_preprocessed(self, model_input, prompts: Sequence[str]):
        tokens = self.tokenizer(list(prompts), padding="max_length", truncation=True, max_length=MAX_TOKENS,
                                return_tensors="pt")
        return self.model(model_input, tokens["input_ids"].to(self.device),
                          tokens["attention_mask"].to(self.device)).float()


class ImageRewardScorer(SingleWeightFile, _ImageRewardScorer):
    """ImageReward v1.0 from the weight store, or a local ``checkpoint``; the BERT vocabulary from the store."""

    name = "imagereward"
    vit = BLIP_VIT_L
    text = MED_CONFIG
    weight_entry = IMAGEREWARD.entry
    weight_label = "ImageReward checkpoint"
    weight_entries = (IMAGEREWARD.entry, BERT_VOCAB.entry)

    def __init__(self, checkpoint: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._set_local_weights(checkpoint)

    @classmethod
    def weights_status(cls) -> str:
        return ", ".join(f"{entry}: {store.status(entry)}" for entry in cls.weight_entries)

    def _vocabulary(self) -> list[str]:
        return read_wordpiece_vocab(store.resolve(BERT_VOCAB.entry))

    def _build(self):
        state = read_torch_checkpoint(self.weights_file, self.weight_label, self.weight_entry)  # fails fast
        model = self._build_architecture()
        load_exact(model, state, self.weights_file, "ImageReward v1.0")
        return model

    def _identity(self) -> tuple[str, str | None, str | None]:
        store.resolve(BERT_VOCAB.entry)  # a missing file is the clear error, before hashing
        return combined_identity([super()._identity(), weight_identity(None, BERT_VOCAB.entry)])


class TinyImageRewardScorer(SeededRandomWeights, _ImageRewardScorer):
    """ImageReward's architecture at toy size (and a toy WordPiece vocabulary), seeded random weights."""

    name = "tiny-imagereward"
    vit = TINY_VIT
    text = TINY_MED

    def _vocabulary(self) -> list[str]:
        return toy_wordpiece_vocab()
