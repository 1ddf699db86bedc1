"""FLUX.1-dev (``flux-dev``) and FLUX.1-dev with D2-Align-tuned transformer weights (``flux-d2align``).

SPEC §3 defaults: 720×720, 50 steps, guidance 3.5, bf16. [choice] The hub revision is pinned to the
commit of ``black-forest-labs/FLUX.1-dev`` that carries the diffusers layout with the sharded transformer;
``--model-args revision=`` overrides it and the results file records the one used.

A D2-Align checkpoint (``--model-args checkpoint=PATH|HUB_ID``) comes in the formats a training run writes;
which one is detected from the files present:

- full fine-tune: a ``FluxTransformer2DModel.save_pretrained`` folder (``config.json`` +
  ``diffusion_pytorch_model*.safetensors``), or a folder holding one as ``transformer/``;
- LoRA: ``pytorch_lora_weights.safetensors`` (``FluxPipeline.save_lora_weights``), any single
  ``*.safetensors`` LoRA file given directly, or a PEFT adapter folder (``adapter_config.json`` +
  ``adapter_model.safetensors``, ``PeftModel.save_pretrained``); see ``generators/lora.py``;
- bare transformer state dict: ``diffusion_pytorch_model*.safetensors`` with no ``config.json`` (how SRPO and
  other released RL-tuned FLUX.1-dev weights ship), or a single ``.safetensors`` file without LoRA keys; it is
  loaded strictly onto the base's transformer config.

A folder written by ``divgenbench train d2align`` records its base in ``d2align.json``; when ``base=`` is not
given that base is used, so a run trained on ``tiny-flux`` evaluates on ``tiny-flux``.

[choice] A LoRA is fused into the transformer (scale ``lora_scale``, default 1.0) and then unloaded, so
sampling costs exactly what the base model costs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ..errors import ConfigError
from .args import ModelArgs
from .diffusers_generic import DiffusersGenerator
from .hub import dtype_kwargs, load_pretrained, snapshot
from .lora import DIFFUSERS_LORA_FILE, LORA, is_lora_file, load_lora_adapter, lora_format

FLUX_DEV_HUB_ID = "black-forest-labs/FLUX.1-dev"
FLUX_DEV_REVISION = "3de623fc3c33e44ffbe2bad470d0f45bccf2eb21"
FLUX_DEV_DEFAULTS = {"resolution": 720, "num_inference_steps": 50, "guidance_scale": 3.5, "dtype": "bfloat16"}

FULL = "full"
BARE = "bare-transformer"
TRAINING_RECORD = "d2align.json"
D2ALIGN_ADAPTER = "d2align"


class FluxDevArgs(ModelArgs):
    pretrained: str | None = Field(None, min_length=1, description="another FLUX.1-dev-format pipeline")
    revision: str | None = None
    max_sequence_length: int | None = Field(None, ge=1)
    compile: bool = False
    offload: Literal["none", "model", "sequential"] = "none"


class FluxD2AlignArgs(ModelArgs):
    checkpoint: str | None = Field(None, min_length=1, description="D2-Align transformer folder or LoRA")
    checkpoint_revision: str | None = None
    base: str | None = Field(None, min_length=1, description="FLUX.1-dev pipeline the checkpoint applies to")
    revision: str | None = None
    lora_scale: float = 1.0
    max_sequence_length: int | None = Field(None, ge=1)
    compile: bool = False
    offload: Literal["none", "model", "sequential"] = "none"


class FluxDevGenerator(DiffusersGenerator):
    """``flux-dev``: ``FluxPipeline`` from the pinned hub revision (or ``pretrained=`` a local copy)."""

    name = "flux-dev"
    hub_id = FLUX_DEV_HUB_ID
    hub_revision = FLUX_DEV_REVISION
    defaults = FLUX_DEV_DEFAULTS
    default_max_sequence_length = 512
    Args = FluxDevArgs

    def build_pipeline(self, dtype, **components):
        from diffusers import FluxPipeline

        return load_pretrained(FluxPipeline.from_pretrained, self.source, revision=self.revision,
                               what=f"model {self.name!r} (base)", arg=self.source_arg, **dtype_kwargs(dtype),
                               **components)


def checkpoint_format(folder: Path) -> tuple[str, Path, str | None]:
    """(format, folder, file-or-subfolder) of a D2-Align checkpoint, judged by the files present."""
    if folder.is_file():
        if folder.suffix == ".safetensors":
            return (LORA if is_lora_file(folder) else BARE), folder.parent, folder.name
        raise ConfigError(f"checkpoint {folder} is not a .safetensors file or a folder",
                          "pass a transformer folder, a LoRA folder or a LoRA .safetensors file")
    if (folder / "transformer" / "config.json").exists():
        return FULL, folder, "transformer"
    if (folder / "config.json").exists() and any(folder.glob("diffusion_pytorch_model*")):
        return FULL, folder, None
    if (lora := lora_format(folder)) is not None:
        return lora
    if any(folder.glob("diffusion_pytorch_model*.safetensors")):
        return BARE, folder, None
    present = ", ".join(sorted(p.name for p in folder.iterdir())[:8]) if folder.is_dir() else "nothing"
    raise ConfigError(
        f"checkpoint {folder} is neither a FluxTransformer2DModel folder nor a LoRA (found: {present})",
        "pass a folder from transformer.save_pretrained (config.json + diffusion_pytorch_model*.safetensors), "
        f"from FluxPipeline.save_lora_weights ({DIFFUSERS_LORA_FILE}), from PeftModel.save_pretrained, "
        "or a bare transformer state dict (diffusion_pytorch_model*.safetensors)")


def load_bare_transformer(transformer, folder: Path, name: str | None) -> None:
    """Load a state dict (one file or shards) strictly onto ``transformer``: a key or shape mismatch means the
    weights are not for this architecture, which must fail loudly rather than evaluate a half-loaded model."""
    from safetensors.torch import load_file

    files = [folder / name] if name else sorted(folder.glob("diffusion_pytorch_model*.safetensors"))
    state = {k: v for f in files for k, v in load_file(f).items()}
    try:
        transformer.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ConfigError(f"{files[0]} is not a state dict of the base's FluxTransformer2DModel "
                          f"({str(exc).splitlines()[0][:160]})",
                          "pass base= the model the checkpoint was tuned from") from exc


class FluxD2AlignGenerator(FluxDevGenerator):
    """``flux-d2align``: FLUX.1-dev (``base=`` overridable) with a D2-Align transformer or LoRA."""

    name = "flux-d2align"
    source_arg = "base"
    Args = FluxD2AlignArgs

    def __init__(self, settings, model_args=None):
        super().__init__(settings, model_args)
        self.checkpoint = self.args.checkpoint
        if not self.checkpoint:
            raise ConfigError("model 'flux-d2align' needs --model-args checkpoint=PATH_OR_HUB_ID",
                              "point it at the transformer folder or LoRA a D2-Align training run saved")
        self.lora_scale = self.args.lora_scale
        self.checkpoint_format: str | None = None
        self.recorded_base: dict | None = None

    def build_pipeline(self, dtype):
        folder = snapshot(self.checkpoint, revision=self.args.checkpoint_revision,
                          what="the flux-d2align checkpoint", arg="checkpoint")
        fmt, folder, name = checkpoint_format(folder)
        self.checkpoint_format = fmt
        if fmt == FULL:
            from diffusers import FluxTransformer2DModel

            transformer = load_pretrained(FluxTransformer2DModel.from_pretrained, str(folder), revision=None,
                                          what="the flux-d2align transformer", arg="checkpoint",
                                          **dtype_kwargs(dtype), **({"subfolder": name} if name else {}))
            return self.base_pipeline(folder, dtype, transformer=transformer)
        pipe = self.base_pipeline(folder, dtype)
        if fmt == BARE:
            load_bare_transformer(pipe.transformer, folder, name)
            return pipe
        load_lora_adapter(pipe, pipe.transformer, fmt, folder, name, D2ALIGN_ADAPTER)
        pipe.fuse_lora(lora_scale=self.lora_scale, adapter_names=[D2ALIGN_ADAPTER])
        pipe.unload_lora_weights()
        return pipe

    def base_pipeline(self, folder: Path, dtype, **components):
        """The base: ``base=`` when given, else the one a training run recorded, else FLUX.1-dev."""
        record = folder / TRAINING_RECORD
        base = json.loads(record.read_text()).get("base", {}) if record.exists() else {}
        if "base" not in self.model_args and base.get("generator") == "tiny-flux":
            from .tiny_flux import build_tiny_flux_pipeline

            pipe = build_tiny_flux_pipeline(int(base.get("weights_seed", 0)), str(dtype).removeprefix("torch."))
            pipe.register_modules(**components)
            self.recorded_base = base
            return pipe
        if "base" not in self.model_args and base.get("generator") == "flux-dev":
            self.source, self.revision = base["source"], base.get("revision")
            self.recorded_base = base
        return super().build_pipeline(dtype, **components)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "checkpoint": self.checkpoint, "checkpoint_format": self.checkpoint_format,
                "lora_scale": self.lora_scale, "recorded_base": self.recorded_base}
