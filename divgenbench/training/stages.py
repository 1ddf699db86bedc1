"""The two D2-Align stages as step functions (SPEC §5, §8), independent of processes and checkpoints.

Every random draw of a training sample — its prompt, the x0 sampling noise, the reconstruction noise ε and
the timestep u — comes from a generator seeded by (run seed, stage, global sample index). A sample is then
the same whichever process, batch or accumulation slot draws it and whether or not the run was resumed,
which is what makes cached == fresh, resume == uninterrupted and 2 processes == 1 process testable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from .config import TrainConfig
from .flux_one_step import FluxParts, one_step_reconstruction, sample_x0
from .guided_reward import guided_cosine

STAGE_DIRECTION = 1  # b_v trained, generator frozen
STAGE_GENERATOR = 2  # generator trained, b_v frozen


def sample_seed(seed: int, stage: int, index: int) -> int:
    """A 63-bit seed per (run seed, stage, sample index); hashing keeps neighbouring indices unrelated."""
    digest = hashlib.sha256(f"d2align:{seed}:{stage}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def step_indices(step: int, micro: int, rank: int, *, batch: int, accumulation: int, world: int) -> list[int]:
    """Global sample indices of one micro-batch: optimiser step ``step``, accumulation slot ``micro``, process
    ``rank``. An optimiser step covers batch × accumulation × world consecutive indices."""
    start = (step * accumulation + micro) * world * batch + rank * batch
    return list(range(start, start + batch))


@dataclass
class SampleDraw:
    """Everything random about a batch of samples (CPU tensors; moved by the caller)."""

    prompts: list[str]
    generators: list  # torch.Generator per row, positioned after the prompt draw (x0 noise comes next)
    indices: list[int]


def draw_samples(prompts: Sequence[str], indices: Sequence[int], seed: int, stage: int) -> SampleDraw:
    generators, chosen = [], []
    for index in indices:
        g = torch.Generator().manual_seed(sample_seed(seed, stage, index))
        chosen.append(prompts[int(torch.randint(len(prompts), (1,), generator=g))])
        generators.append(g)
    return SampleDraw(chosen, generators, list(indices))


@dataclass
class Reconstruction:
    """The decoded one-step reconstruction of a batch, with what the reward needs."""

    pixels: Any  # (B, 3, H, W) in [0, 1]
    prompts: list[str]


class FluxSampleSource:
    """Builds decoded x̂0 for sample indices with a given transformer (frozen or trained)."""

    def __init__(self, parts: FluxParts, config: TrainConfig, prompts: Sequence[str], device, dtype):
        self.parts = parts
        self.config = config
        self.prompts = list(prompts)
        self.device = device
        self.dtype = dtype

    def reconstruct(self, transformer, indices: Sequence[int], stage: int) -> Reconstruction:
        """Sample x0 (no grad, current weights), then the differentiable one-step x̂0 and decode."""
        s = self.config.sampling
        draw = draw_samples(self.prompts, indices, self.config.seed, stage)
        cond = self.parts.encode_prompts(draw.prompts, self.device)
        noise = self.parts.initial_noise(draw.generators, self.device, self.dtype)
        x0 = sample_x0(transformer, self.parts, cond, noise, steps=s.steps, shift=s.shift,
                       guidance=s.sample_guidance)
        eps = torch.cat([torch.randn(noise.shape[1:], generator=g, dtype=torch.float32)[None]
                         for g in draw.generators]).to(device=self.device, dtype=self.dtype)
        u = torch.cat([torch.rand(1, generator=g, dtype=torch.float64) for g in draw.generators]).to(self.device)
        x0_hat = one_step_reconstruction(transformer, self.parts, cond, x0, eps, u, steps=s.steps, shift=s.shift,
                                         guidance=s.train_guidance)
        return Reconstruction(self.parts.decode(x0_hat), draw.prompts)


@dataclass
class StepMetrics:
    """Means over one micro-batch: the loss is −R_guided; ``reward`` is the plain cos(e_img, e_text)."""

    loss: Any
    reward: float
    guided_reward: float


def guided_loss(direction, e_img, e_text) -> StepMetrics:
    """−mean R_guided through ``direction`` (a :class:`DirectionModule`, maybe DDP-wrapped)."""
    import torch.nn.functional as F

    guided = direction(e_img, e_text)
    plain = F.cosine_similarity(e_img, e_text.to(e_img), dim=-1)
    return StepMetrics(-guided.mean(), float(plain.detach().mean()), float(guided.detach().mean()))


class DirectionModule(torch.nn.Module):
    """b_v as a module whose forward is R_guided, so that DDP sees the call it must reduce gradients for.
    [choice] b_v starts at zero (SPEC §5): the first R_guided is then the plain reward."""

    def __init__(self, dim: int, omega: float, dtype=torch.float32, device=None):
        super().__init__()
        self.b_v = torch.nn.Parameter(torch.zeros(dim, dtype=dtype, device=device))
        self.omega = float(omega)

    def forward(self, e_img, e_text):
        return guided_cosine(e_img, e_text.to(e_img), self.b_v.to(e_img), self.omega)
