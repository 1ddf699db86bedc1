"""LoRA checkpoints, in the two formats training runs write, loaded into a diffusers pipeline as a named adapter.

- diffusers: ``pytorch_lora_weights.safetensors`` (``Pipeline.save_lora_weights``, what ``divgenbench train
  d2align`` writes) or any single ``*.safetensors`` file with LoRA keys. Read by the pipeline's own
  ``load_lora_weights``, which also converts the community formats (kohya, XLabs, BFL) it knows.
- PEFT: a ``PeftModel.save_pretrained`` folder (``adapter_config.json`` + ``adapter_model.safetensors``); keys
  carry ``base_model.model.``, rank and alpha live in the config and are passed as the adapter's metadata so
  the scaling is the trained one.

Both end as a peft adapter on the pipeline's denoiser, named by the caller: ``flux-d2align`` fuses it, the
``guided`` generator keeps it unfused and switches it on per branch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import ConfigError

LORA = "lora"
PEFT_LORA = "peft-lora"
DIFFUSERS_LORA_FILE = "pytorch_lora_weights.safetensors"
PEFT_CONFIG_FILE = "adapter_config.json"
PEFT_WEIGHTS_FILE = "adapter_model.safetensors"
PEFT_METADATA_KEYS = ("r", "lora_alpha", "target_modules", "lora_dropout", "use_dora", "rank_pattern",
                      "alpha_pattern", "bias")


def is_lora_file(path: Path) -> bool:
    """A ``.safetensors`` file whose keys name LoRA matrices (not a bare state dict)."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        return any("lora" in key for key in handle.keys())


def lora_format(path: Path) -> tuple[str, Path, str] | None:
    """(format, folder, weights file) when ``path`` is a LoRA in a format above, else None."""
    if path.is_file():
        return (LORA, path.parent, path.name) if path.suffix == ".safetensors" and is_lora_file(path) else None
    if (path / DIFFUSERS_LORA_FILE).is_file():
        return LORA, path, DIFFUSERS_LORA_FILE
    if (path / PEFT_CONFIG_FILE).is_file() and (path / PEFT_WEIGHTS_FILE).is_file():
        return PEFT_LORA, path, PEFT_WEIGHTS_FILE
    return None


def load_lora_adapter(pipe: Any, denoiser: Any, fmt: str, folder: Path, weights_file: str, adapter_name: str) -> None:
    """Load the LoRA into ``pipe`` as ``adapter_name``, on ``denoiser`` (its transformer or unet).

    A diffusers LoRA file that also holds text-encoder matrices loads them too; callers that must keep the text
    encoder shared (per-branch toggling) check ``pipe.get_list_adapters()`` afterwards. A file that does not fit
    the denoiser (another architecture, wrong shapes, a damaged config) is one ``ConfigError``.
    """
    if fmt not in (LORA, PEFT_LORA):
        raise ConfigError(f"{folder} is not a LoRA ({fmt})", "pass a diffusers LoRA file or a PEFT adapter folder")
    try:
        if fmt == LORA:
            pipe.load_lora_weights(str(folder), weight_name=weights_file, adapter_name=adapter_name)
            return
        from safetensors.torch import load_file

        config = json.loads((folder / PEFT_CONFIG_FILE).read_text())
        state = {k.removeprefix("base_model.model."): v for k, v in load_file(folder / weights_file).items()}
        metadata = {k: config[k] for k in PEFT_METADATA_KEYS if k in config}
        denoiser.load_lora_adapter(state, prefix=None, adapter_name=adapter_name, metadata=metadata)
    except (ValueError, KeyError, OSError, RuntimeError, AttributeError) as exc:
        cause = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
        raise ConfigError(f"{folder / weights_file} does not load as a LoRA of {type(denoiser).__name__} ({cause})",
                          "pass a LoRA trained on this base model (the model the run's base= names)") from exc
