"""The generator adapter protocol: a batch of seeded requests in, one output per request out.

An output is a PIL image (the runner encodes it as PNG), an ``EncodedImage`` (finished file bytes written
verbatim, e.g. a user's own PNG) or an ``Unavailable`` (the image cannot be had: reported, the rest scored).
Construction is cheap (validates args, resolves settings); ``load()`` loads weights, so a resumed run with
nothing left to generate never touches the model.
"""

from __future__ import annotations

import math
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Union

from PIL import Image

from ..errors import ConfigError
from .args import ModelArgs, parse_args


@dataclass(frozen=True)
class ImageRequest:
    """One image to make: ``seed`` comes from the protocol, so it never depends on batching."""

    prompt_id: str
    dimension: str
    text: str
    k: int
    seed: int


DEVICE_PATTERN = re.compile(r"^(cpu|mps|cuda(:\d+)?)$")
DTYPES = ("bfloat16", "float16", "float32", "float64")


@dataclass(frozen=True)
class GenerationSettings:
    """Common knobs (CLI flags); ``None`` means the adapter's own default, recorded once resolved."""

    batch_size: int = 1
    dtype: str | None = None
    num_inference_steps: int | None = None
    guidance_scale: float | None = None
    resolution: int | None = None
    device: str | None = None

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ConfigError(f"--batch-size must be at least 1, got {self.batch_size}", "pass --batch-size 1 or more")
        if self.resolution is not None and (self.resolution < 16 or self.resolution % 16):
            raise ConfigError(f"--resolution {self.resolution} is not a positive multiple of 16",
                              "pass e.g. --resolution 720")
        if self.num_inference_steps is not None and self.num_inference_steps < 1:
            raise ConfigError("--num-inference-steps must be at least 1", "pass e.g. --num-inference-steps 50")
        if self.guidance_scale is not None and not math.isfinite(self.guidance_scale):
            raise ConfigError(f"--guidance-scale {self.guidance_scale} is not a finite number",
                              "pass e.g. --guidance-scale 3.5")
        if self.device is not None and not DEVICE_PATTERN.match(self.device):
            raise ConfigError(f"--device {self.device!r} is not a torch device",
                              "pass cpu, cuda, cuda:N or mps (or omit it: cuda when available)")
        if self.dtype is not None and self.dtype not in DTYPES:
            raise ConfigError(f"--dtype {self.dtype!r} is not a generator dtype", f"pass one of: {', '.join(DTYPES)}")

    def resolved(self, **defaults: Any) -> GenerationSettings:
        """These settings with every ``None`` replaced by the adapter's default."""
        values = asdict(self)
        for key, value in defaults.items():
            if values.get(key) is None:
                values[key] = value
        return GenerationSettings(**values)


@dataclass(frozen=True)
class EncodedImage:
    """An image file's exact bytes (PNG), kept as they are so their sha256 is the source's."""

    data: bytes
    source: str = ""


@dataclass(frozen=True)
class Unavailable:
    """A request that yields no image; ``reason`` is a short tag (missing, corrupt) for diagnostics."""

    reason: str
    message: str = ""


GeneratorOutput = Union[Image.Image, EncodedImage, Unavailable]


def default_device() -> str:
    """``cuda`` when available, else ``cpu``; under a multi-process launcher each rank takes its own GPU.

    [choice] the recorded device is the type ("cuda"), not the index: ranks of one run record the same
    settings, and run.json (checked on resume) stays identical across ranks and shards.
    """
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def torch_device(device: str):
    """The concrete torch device: ``cuda`` becomes ``cuda:$LOCAL_RANK`` (accelerate/torchrun set it)."""
    import torch

    if device == "cuda":
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) % max(torch.cuda.device_count(), 1))
    return torch.device(device)


def parse_model_args(text: str | None) -> dict[str, str]:
    """lm-eval-style ``key=value,key=value`` (values stay strings; adapters convert)."""
    if not text:
        return {}
    args: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--model-args item {part!r} is not key=value",
                              "write --model-args key=value,key2=value2")
        args[key.strip()] = value.strip()
    return args


class Generator(ABC):
    """A text-to-image adapter. Subclasses set ``name`` (registry name) and implement ``generate``."""

    name: ClassVar[str]
    #: extractor set used when the user names none (the tiny model pairs with tiny extractors)
    default_extractor_set: ClassVar[str] = "default"
    #: results of a smoke model are never ranked
    smoke: ClassVar[bool] = False
    #: its pipeline object may be shared with other generators of this process (a cache): code that changes
    #: the pipeline's modules (adapters, hooks) must first give itself its own copy of them
    shares_pipeline: ClassVar[bool] = False
    #: the typed --model-args this adapter accepts (pydantic; unknown keys, bad types and NaN refused)
    Args: ClassVar[type[ModelArgs]] = ModelArgs

    def __init__(self, settings: GenerationSettings, model_args: Mapping[str, str] | None = None):
        """Cheap: parses the args (a ConfigError names key, value and what is valid); loads nothing."""
        model_args = dict(model_args or {})
        self.args = parse_args(self.Args, model_args, f"model {self.name!r}")
        self.settings = settings
        self.model_args = model_args

    def resolved_settings(self) -> GenerationSettings:
        """The settings after this adapter's defaults, known without loading (recorded in run.json)."""
        return self.settings

    def resolved_args(self) -> dict[str, Any]:
        """The typed model args with defaults applied: explicit defaults and omitted ones compare equal."""
        return self.args.model_dump(mode="json")

    def load(self) -> None:
        """Load weights (called once, only when there is something to generate)."""

    @abstractmethod
    def generate(self, requests: Sequence[ImageRequest]) -> list[GeneratorOutput]:
        """One output per request, in order; output i depends only on request i (never on batching)."""

    def notes(self, requests: Sequence[ImageRequest]) -> list[str]:
        """Findings about the inputs beyond single images (e.g. a folder's extra files), for diagnostics."""
        return []

    @classmethod
    def weights_status(cls) -> str:
        """Short text for ``divgenbench models ls``: whether the weights are on disk."""
        return "n/a"

    def describe(self) -> dict[str, Any]:
        """Provenance for the results file: adapter, hub id, revision, effective settings and args."""
        return {"name": self.name, "adapter": f"{type(self).__module__}:{type(self).__qualname__}",
                "args": dict(self.model_args), "settings": asdict(self.settings), "smoke": self.smoke}


@dataclass
class GeneratedImage:
    """Record of one finished image (the journal and samples.jsonl hold these)."""

    prompt_id: str
    dimension: str
    k: int
    seed: int
    path: str
    sha256: str
    extra: dict = field(default_factory=dict)
