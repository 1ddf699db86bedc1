"""What PickScore and CLIP score share: a transformers ``CLIPModel`` scored by raw cosine, its BPE tokenizer.

Both checkpoints are plain ``CLIPModel`` safetensors; only the size, the activation (OpenAI's QuickGELU vs
LAION's GELU) and the tokenizer files' repository differ, so one scorer class serves both and each plug-in
module pins its weights and config.

transformers 5 returns an output object from ``get_image_features`` / ``get_text_features`` (the projected
embedding is its ``pooler_output``); 4.x returned the tensor. ``projected`` accepts both.

Tokenizer: ``CLIPTokenizer`` from the pinned ``vocab.json`` and ``merges.txt`` of the processor's repository,
lower-cased, cut to 77 tokens. The tiny twins build the same tokenizer class from open_clip's bundled copy of
the OpenAI BPE (the same merges), so nothing downloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any, ClassVar

from .. import store
from ..errors import DataError
from .torch_base import (
    CLIP_MEAN,
    CLIP_STD,
    CosineScorer,
    PixelPreprocessing,
    combined_identity,
    load_exact,
    read_torch_checkpoint,
)

CONTEXT_LENGTH = 77


def projected(output):
    """The projected embedding from ``get_*_features``: a tensor (transformers 4) or ``pooler_output`` (5)."""
    return output if hasattr(output, "dim") else output.pooler_output


def build_hf_clip(config: dict[str, Any]):
    """A randomly initialised ``CLIPModel`` from ``{"text": {...}, "vision": {...}, "projection_dim": d}``."""
    from transformers import CLIPConfig, CLIPModel

    clip_config = CLIPConfig(text_config=dict(config["text"]), vision_config=dict(config["vision"]),
                             projection_dim=config["projection_dim"])
    return CLIPModel(clip_config)


def bundled_bpe_tokenizer():
    """``CLIPTokenizer`` over open_clip's bundled OpenAI BPE (for the tiny twins: no download)."""
    from open_clip.tokenizer import SimpleTokenizer
    from transformers import CLIPTokenizer

    source = SimpleTokenizer()
    renamed = {"<start_of_text>": "<|startoftext|>", "<end_of_text>": "<|endoftext|>"}
    vocab = {renamed.get(token, token): index for token, index in source.encoder.items()}
    merges = [pair for pair, _ in sorted(source.bpe_ranks.items(), key=lambda item: item[1])]
    return CLIPTokenizer(vocab=vocab, merges=merges)


def pinned_tokenizer(vocab_entry: str, merges_entry: str):
    """``CLIPTokenizer`` from the store's pinned ``vocab.json`` and ``merges.txt`` (MissingWeightsError if absent)."""
    import json

    from transformers import CLIPTokenizer

    vocab_path, merges_path = store.resolve(vocab_entry), store.resolve(merges_entry)
    try:
        vocab = json.loads(vocab_path.read_text(encoding="utf-8"))
        lines = merges_path.read_text(encoding="utf-8").splitlines()
        merges = [tuple(line.split()) for line in lines if line and not line.startswith("#version")]
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read the CLIP tokenizer files {vocab_path}, {merges_path}: {exc}",
                        f"re-download them with `divgenbench models download {vocab_entry} {merges_entry}`") from exc
    if not isinstance(vocab, dict) or any(len(pair) != 2 for pair in merges):
        raise DataError(f"{vocab_path} / {merges_path} are not a CLIP BPE vocabulary and merges list",
                        f"re-download them with `divgenbench models download {vocab_entry} {merges_entry}`")
    return CLIPTokenizer(vocab=vocab, merges=merges)


class HfClipScorer(CosineScorer):
    """cos(image, text) of a transformers ``CLIPModel``; subclasses pin weights and config."""

    preprocessing = PixelPreprocessing(224, CLIP_MEAN, CLIP_STD)
    config: ClassVar[dict[str, Any]]

    def _build_architecture(self):
        return build_hf_clip(self.config)

    tokenizer: Any  # from PinnedHfClip (store files) or BundledTokenizer (tiny twins)

    def tokenize(self, prompts: Sequence[str]) -> dict[str, Any]:
        """Token ids and attention mask, padded to the longest prompt, cut to 77 tokens (ending in EOT)."""
        batch = self.tokenizer(list(prompts), padding=True, truncation=True, max_length=CONTEXT_LENGTH,
                               return_tensors="pt")
        return {key: batch[key].to(self.device) for key in ("input_ids", "attention_mask")}

    def _image_features(self, model_input):
        return projected(self.model.get_image_features(pixel_values=model_input))

    def _text_features(self, prompts: Sequence[str]):
        return projected(self.model.get_text_features(**self.tokenize(prompts)))


class PinnedHfClip:
    """Mixin: weights and tokenizer from the store (``weight_entries`` = model, vocab, merges)."""

    weight_entries: ClassVar[tuple[str, str, str]]
    what: ClassVar[str]

    @classmethod
    def weights_status(cls) -> str:
        return ", ".join(f"{entry}: {store.status(entry)}" for entry in cls.weight_entries)

    @cached_property
    def tokenizer(self):
        return pinned_tokenizer(self.weight_entries[1], self.weight_entries[2])

    def _build(self):
        path = store.resolve(self.weight_entries[0])
        state = read_torch_checkpoint(path, self.what, self.weight_entries[0])  # fails fast, before building
        model = self._build_architecture()
        load_exact(model, state, path, self.what)
        return model

    def _identity(self) -> tuple[str, str | None, str | None]:
        from ..extractors.runtime import weight_identity

        for entry in self.weight_entries:
            store.resolve(entry)  # a missing file is the clear error, before hashing
        return combined_identity([weight_identity(None, entry) for entry in self.weight_entries])


class BundledTokenizer:
    """Mixin for tiny twins: the tokenizer built from open_clip's bundled BPE."""

    @cached_property
    def tokenizer(self):
        return bundled_bpe_tokenizer()
