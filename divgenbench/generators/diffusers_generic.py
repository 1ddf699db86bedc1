"""Any diffusers ``DiffusionPipeline`` (``diffusers``), and the machinery every diffusers adapter shares.

``DiffusersGenerator`` loads a pipeline with ``from_pretrained`` (hub id at a pinned revision, or a local
folder), places it on the device in the requested dtype and calls it on a batch with one
``torch.Generator`` per image. Subclasses (flux-dev, flux-d2align, tiny-flux) only set defaults or
override ``build_pipeline``.

[choice] Seeds: each image's generator is a *CPU* ``torch.Generator`` seeded with the protocol seed, so the
starting noise is the same on any device and at any batch size (diffusers draws per-generator noise on
the CPU and moves it). Whether the *image* is then byte-identical at another batch size depends on the
kernels: exact for tiny-flux (float64 on CPU); for bf16 GPU pipelines batch invariance holds up to kernel
numerics (GEMM tiling changes with batch shape), i.e. visually identical, PNG bytes may differ.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any, ClassVar, Literal

from pydantic import Field

from ..errors import ConfigError
from .args import ModelArgs
from .base import GenerationSettings, Generator, GeneratorOutput, ImageRequest, default_device, torch_device
from .hub import cache_status, dtype_kwargs, load_pretrained

class DiffusersArgs(ModelArgs):
    """--model-args of every diffusers adapter."""

    pretrained: str | None = Field(None, min_length=1, description="hub id or local folder of the pipeline")
    revision: str | None = None
    variant: str | None = None
    max_sequence_length: int | None = Field(None, ge=1)
    compile: bool = False
    offload: Literal["none", "model", "sequential"] = "none"


class DiffusersGenerator(Generator):
    """Shared diffusers adapter; ``source_arg`` names the model arg that overrides ``hub_id``."""

    #: default hub repo and pinned revision (None: the user must name one with ``source_arg``)
    hub_id: ClassVar[str | None] = None
    hub_revision: ClassVar[str | None] = None
    source_arg: ClassVar[str] = "pretrained"
    #: defaults for the common settings (``None`` entries come from the pipeline once loaded)
    defaults: ClassVar[dict[str, Any]] = {}
    #: ``max_sequence_length`` passed to pipelines that take one (T5-based: Flux, SD3)
    default_max_sequence_length: ClassVar[int | None] = None
    Args = DiffusersArgs

    def __init__(self, settings: GenerationSettings, model_args: Mapping[str, str] | None = None):
        super().__init__(settings, model_args)
        args = self.args  # subclasses' Args may leave some of these out (tiny-flux takes only weights_seed)
        self.source = getattr(args, self.source_arg, None) or self.hub_id
        default_revision = self.hub_revision if self.source == self.hub_id else None
        self.revision = getattr(args, "revision", None) or default_revision
        self.max_sequence_length = getattr(args, "max_sequence_length", None) or self.default_max_sequence_length
        self.compile = getattr(args, "compile", False)
        self.offload = getattr(args, "offload", "none")
        self.settings = settings.resolved(**self.defaults)
        self.pipe = None

    # --- loading --------------------------------------------------------------------------------
    def load_settings(self) -> GenerationSettings:
        """Settings once the device is known: dtype defaults to bf16 on GPU, float32 on CPU."""
        device = self.settings.device or default_device()
        return self.settings.resolved(device=device, dtype="bfloat16" if device.startswith("cuda") else "float32")

    def resolved_settings(self) -> GenerationSettings:
        return self.load_settings()

    def build_pipeline(self, dtype):
        """The pipeline on CPU in ``dtype``; subclasses change where the weights come from."""
        from diffusers import DiffusionPipeline

        variant = getattr(self.args, "variant", None)
        extra = {"variant": variant} if variant else {}
        return load_pretrained(DiffusionPipeline.from_pretrained, self.source, revision=self.revision,
                               what=f"model {self.name!r}", arg=self.source_arg, **dtype_kwargs(dtype), **extra)

    def load(self) -> None:
        import torch

        if self.pipe is not None:
            return
        self.settings = self.load_settings()
        dtype = getattr(torch, self.settings.dtype, None)
        if not isinstance(dtype, torch.dtype):
            raise ConfigError(f"--dtype {self.settings.dtype} is not a torch dtype",
                              "pass e.g. --dtype bfloat16, float16 or float32")
        pipe = self.build_pipeline(dtype)
        pipe.set_progress_bar_config(disable=True)
        device = torch_device(self.settings.device)
        if self.offload == "model":
            pipe.enable_model_cpu_offload(device=device)
        elif self.offload == "sequential":
            pipe.enable_sequential_cpu_offload(device=device)
        else:
            pipe.to(device)
        if self.compile:
            name = "transformer" if getattr(pipe, "transformer", None) is not None else "unet"
            setattr(pipe, name, torch.compile(getattr(pipe, name), fullgraph=False))
        self.pipe = pipe
        self.call_parameters = inspect.signature(pipe.__call__).parameters
        self.settings = self.settings.resolved(**self.pipeline_defaults())

    def pipeline_defaults(self) -> dict[str, Any]:
        """The pipeline's own defaults for settings left open, so the results record real values."""
        defaults: dict[str, Any] = {}
        for key in ("num_inference_steps", "guidance_scale"):
            parameter = self.call_parameters.get(key)
            if parameter is not None and parameter.default is not inspect.Parameter.empty:
                defaults[key] = parameter.default
        sample_size = getattr(self.pipe, "default_sample_size", None)
        unet = getattr(self.pipe, "unet", None)
        if sample_size is None and unet is not None:
            sample_size = getattr(unet.config, "sample_size", None)
        scale = getattr(self.pipe, "vae_scale_factor", None)
        if isinstance(sample_size, int) and isinstance(scale, int):
            defaults["resolution"] = sample_size * scale
        return defaults

    # --- generating -----------------------------------------------------------------------------
    def call_arguments(self, requests: Sequence[ImageRequest]) -> dict[str, Any]:
        """The mapped common settings, limited to what this pipeline's ``__call__`` accepts."""
        import torch

        s = self.settings
        arguments: dict[str, Any] = {
            "prompt": [r.text for r in requests],
            "generator": [torch.Generator(device="cpu").manual_seed(r.seed) for r in requests],
            "num_inference_steps": s.num_inference_steps, "guidance_scale": s.guidance_scale,
            "height": s.resolution, "width": s.resolution, "max_sequence_length": self.max_sequence_length,
            "output_type": "pil",
        }
        arguments = {k: v for k, v in arguments.items() if v is not None}
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in self.call_parameters.values())
        return arguments if takes_any else {k: v for k, v in arguments.items() if k in self.call_parameters}

    def generate(self, requests: Sequence[ImageRequest]) -> list[GeneratorOutput]:
        import torch

        self.load()
        with torch.inference_mode():
            images = self.pipe(**self.call_arguments(requests)).images
        return [im.convert("RGB") for im in images]

    # --- provenance -----------------------------------------------------------------------------
    @classmethod
    def weights_status(cls) -> str:
        if cls.hub_id is None:
            return "named by --model-args pretrained="
        return cache_status(cls.hub_id, cls.hub_revision)

    def describe(self) -> dict[str, Any]:
        described = {**super().describe(), "hub_id": self.source, "revision": self.revision,
                     "settings": asdict(self.settings), "max_sequence_length": self.max_sequence_length,
                     "compile": self.compile, "offload": self.offload}
        if self.pipe is not None:
            import diffusers

            described["pipeline_class"] = type(self.pipe).__name__
            described["diffusers"] = diffusers.__version__
        return described


class GenericDiffusersGenerator(DiffusersGenerator):
    """``diffusers``: any text-to-image ``DiffusionPipeline`` named by ``--model-args pretrained=...``
    (SD 1.5, SDXL, SD3, Flux, ...); unset settings take the pipeline's own defaults."""

    name = "diffusers"

    def __init__(self, settings: GenerationSettings, model_args: Mapping[str, str] | None = None):
        super().__init__(settings, model_args)
        if not self.source:
            raise ConfigError("model 'diffusers' needs --model-args pretrained=HUB_ID_OR_PATH",
                              "e.g. --model-args pretrained=stabilityai/stable-diffusion-xl-base-1.0")
