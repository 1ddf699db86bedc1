"""The D2-Align run configuration: one validated pydantic model read from YAML (SPEC §5, Table 3).

Defaults are Table 3's values (seed 42, 720², bf16, gradient checkpointing, AdamW 5e-6, weight decay 1e-4,
clip 0.1, accumulation 2, batch 1, shift 3, 25 sampling steps, train guidance 1.0, ω = 1.5) so that
``examples/d2align_flux.yaml`` only names what it must. Unknown keys are refused: a misspelt option that
silently keeps its default would train a different recipe than the one written down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ConfigError

HPDV2_HUB_ID = "ymhao/HPDv2"
#: [choice] HPDv2's train annotations; the revision is pinned once fetched (``main`` until then, recorded).
HPDV2_REVISION = "main"
HPDV2_TRAIN_FILE = "train.json"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelConfig(Strict):
    """The generator being trained: ``flux-dev`` (hub or local diffusers folder) or ``tiny-flux``."""

    generator: Literal["flux-dev", "tiny-flux"] = "flux-dev"
    pretrained: str | None = None  # flux-dev: a local FluxPipeline folder instead of the hub
    revision: str | None = None  # flux-dev: hub revision (default: the generator's pinned one)
    weights_seed: int = 0  # tiny-flux
    dtype: Literal["bfloat16", "float16", "float32", "float64"] = "bfloat16"
    max_sequence_length: int = Field(512, ge=1)


class RewardConfig(Strict):
    name: str = "hps-v2.1"  # a registered quality scorer that is a DifferentiableScorer
    omega: float = 1.5


class PromptsConfig(Strict):
    """Training prompts: HPDv2's train prompts by hub id + revision, or a local text/JSON(L) file."""

    path: str | None = None
    hub_id: str = HPDV2_HUB_ID
    revision: str = HPDV2_REVISION
    filename: str = HPDV2_TRAIN_FILE


class SamplingConfig(Strict):
    resolution: int = Field(720, ge=16)
    steps: int = Field(25, ge=1)  # sampling steps for x0, and the grid the one-step reconstruction uses
    shift: float = Field(3.0, gt=0)
    train_guidance: float = 1.0  # FLUX guidance embedding in the differentiable step
    sample_guidance: float = 3.5  # [choice] FLUX.1-dev's default for the no-grad x0 sampling


class OptimConfig(Strict):
    lr: float = Field(5e-6, gt=0)
    weight_decay: float = Field(1e-4, ge=0)
    max_grad_norm: float = Field(0.1, gt=0)
    gradient_accumulation: int = Field(2, ge=1)
    batch_size: int = Field(1, ge=1)  # per process
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8


class Stage1Config(Strict):
    steps: int = Field(3000, ge=0)
    sampling: Literal["cached", "fresh"] = "cached"  # SPEC §8: pairs drawn once vs every step
    lr: float | None = None  # b_v's learning rate; None: the optimiser's
    encode_batch: int = Field(8, ge=1)  # cached mode: pairs built per no-grad forward


class Stage2Config(Strict):
    steps: int = Field(20, ge=0)
    mode: Literal["full", "lora"] = "full"
    lora_rank: int = Field(64, ge=1)
    lora_alpha: float = 128.0
    lora_targets: tuple[str, ...] = ("to_q", "to_k", "to_v", "to_out.0")


class MonitorConfig(Strict):
    every: int = Field(0, ge=0)  # 0: off
    protocol: str = "quick"
    prompts_per_dimension: int = Field(4, ge=1)
    extractor_set: str | None = None


class TrainConfig(Strict):
    seed: int = 42
    device: str | None = None  # None: the accelerator's
    gradient_checkpointing: bool = True
    checkpoint_every: int = Field(0, ge=0)  # steps; 0: only at the end of each stage
    log_every: int = Field(1, ge=1)
    model: ModelConfig = ModelConfig()
    reward: RewardConfig = RewardConfig()
    prompts: PromptsConfig = PromptsConfig()
    sampling: SamplingConfig = SamplingConfig()
    optim: OptimConfig = OptimConfig()
    stage1: Stage1Config = Stage1Config()
    stage2: Stage2Config = Stage2Config()
    monitor: MonitorConfig = MonitorConfig()

    @model_validator(mode="after")
    def _resolution_fits_latents(self) -> TrainConfig:
        if self.sampling.resolution % 16:
            raise ValueError(f"sampling.resolution {self.sampling.resolution} is not a multiple of 16 "
                             "(FLUX packs 2×2 patches of the 8× VAE latent)")
        return self


def load_config(path: Path | str, **overrides) -> TrainConfig:
    """Read and validate a YAML config; ``overrides`` replace top-level sections or values."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config {path} does not exist", "pass --config examples/d2align_flux.yaml or your copy")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"config {path} is not valid YAML ({str(exc).splitlines()[0]})",
                          "fix the YAML syntax") from exc
    return parse_config({**data, **overrides}, source=str(path))


def parse_config(data: dict, source: str = "config") -> TrainConfig:
    try:
        return TrainConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ConfigError(f"{source}: {where}: {first['msg']}",
                          "see docs/training.md for the keys and their meaning") from exc
