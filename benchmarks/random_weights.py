"""Real-size, random-weight checkpoints of the default extractors, for GPU throughput runs without downloads.

Throughput depends on the architecture and the input sizes, not on the values of the weights, so a checkpoint
of the real configuration filled with seeded random numbers times exactly the code path a real one takes: the
same loader (`CsdExtractor(checkpoint=…)`, `GroundingDinoExtractor(model_dir=…)`), preprocessing and batching.
Their outputs mean nothing; never use them for scores.
"""

from __future__ import annotations

import string
from pathlib import Path

SEED = 0


def write_random_csd(path: Path) -> Path:
    """CSD ViT-L/14 (OpenAI vision tower without projection + 1024×768 style/content heads) as safetensors."""
    import torch
    from safetensors.torch import save_file

    from divgenbench.extractors.style import VIT_L_14, VIT_L_14_EMBED, build_csd_model

    torch.manual_seed(SEED)
    model = build_csd_model(VIT_L_14, VIT_L_14_EMBED)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path


def bert_base_sized_tokenizer():
    """A WordPiece tokenizer with bert-base-uncased's 30,522-entry vocabulary size (letters, digits and filler
    tokens), so the text tower's embedding table and the query lengths are those of the real model."""
    from transformers import BertTokenizerFast

    symbols = list(string.ascii_lowercase + string.digits)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", *symbols, *("##" + s for s in symbols)]
    vocab += [f"[unused{i}]" for i in range(30522 - len(vocab))]
    return BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=True,
                             model_max_length=256)


def write_random_grounding_dino(folder: Path) -> Path:
    """`IDEA-Research/grounding-dino-tiny`'s configuration (Swin-T + BERT-base, 900 queries, 6+6 layers) with
    the processor's default resize (shortest edge 800, longest 1333), saved as a `from_pretrained` folder."""
    import torch
    from transformers import (
        GroundingDinoConfig,
        GroundingDinoForObjectDetection,
        GroundingDinoImageProcessor,
        GroundingDinoProcessor,
    )

    torch.manual_seed(SEED)
    model = GroundingDinoForObjectDetection(GroundingDinoConfig())
    processor = GroundingDinoProcessor(image_processor=GroundingDinoImageProcessor(),
                                       tokenizer=bert_base_sized_tokenizer())
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


#: registered extractor name → (writer, constructor keyword): what `bench_extractors --random-weights` builds
RANDOM_WEIGHTS = {
    "csd": (lambda root: write_random_csd(root / "csd-random.safetensors"), "checkpoint"),
    "grounding-dino": (lambda root: write_random_grounding_dino(root / "grounding-dino-random"), "model_dir"),
}
