"""FLUX pieces of D2-Align's step (SPEC §5): sample x0, one ODE step from a noised x0, decode to pixels.

Flow matching on FLUX's packed latents: x_σ = (1 − σ)·x0 + σ·ε, the transformer predicts v = ε − x0, and an
Euler step moves σ to σ'. The reconstruction noises a sampled x0 with the *ground-truth* ε at σ_t, takes one
step to σ_{t−1} with the model's prediction, and inverts the noising with the same ε:
x̂0 = (x_{t−1} − σ_{t−1}·ε)/(1 − σ_{t−1}). With a perfect prediction x̂0 = x0; the gradient reaches the
transformer through that one call only, which is what makes the recipe affordable at 720².

[choice] σ follows the static shift of Table 3 (σ = s·u/(1 + (s − 1)·u), s = 3) for sampling and for the
training timestep alike; t ~ U[0, 1] is drawn on u and σ_{t−1} is one sampling step earlier on the same grid.
The velocity call goes through the (possibly DDP/FSDP-wrapped) transformer itself, never through the
pipeline, so sampling works on sharded weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def shifted_sigma(u, shift: float):
    """Flow-matching time shift: maps u ∈ [0, 1] to σ with more steps spent at high noise for shift > 1."""
    return shift * u / (1 + (shift - 1) * u)


@dataclass
class PromptConditioning:
    """The text-side inputs of a FLUX transformer call for a batch of prompts (no gradient)."""

    embeds: Any  # (B, L, D) T5 states
    pooled: Any  # (B, D') CLIP pooled
    text_ids: Any  # (L, 3)


@dataclass(frozen=True)
class LatentGeometry:
    """Packed-latent shape of an image size: FLUX packs 2×2 latent patches into tokens."""

    height: int
    width: int
    channels: int  # latent channels before packing
    vae_scale_factor: int

    @property
    def latent_hw(self) -> tuple[int, int]:
        return 2 * (self.height // (self.vae_scale_factor * 2)), 2 * (self.width // (self.vae_scale_factor * 2))


def geometry(pipe, resolution: int) -> LatentGeometry:
    return LatentGeometry(resolution, resolution, pipe.transformer.config.in_channels // 4, pipe.vae_scale_factor)


@dataclass
class FluxParts:
    """The frozen parts of a FluxPipeline a trainer needs, beside the transformer it trains."""

    pipe: Any
    geometry: LatentGeometry
    max_sequence_length: int

    def encode_prompts(self, prompts: list[str], device) -> PromptConditioning:
        import torch

        with torch.no_grad():
            embeds, pooled, text_ids = self.pipe.encode_prompt(prompts, device=device,
                                                               max_sequence_length=self.max_sequence_length)
        return PromptConditioning(embeds, pooled, text_ids)

    def image_ids(self, device, dtype):
        h, w = self.geometry.latent_hw
        return self.pipe._prepare_latent_image_ids(1, h // 2, w // 2, device, dtype)

    def initial_noise(self, generators: list, device, dtype):
        """(B, tokens, 4C) packed Gaussian noise, one row per generator (so rows do not depend on batching)."""
        import torch

        h, w = self.geometry.latent_hw
        c = self.geometry.channels
        rows = [torch.randn((1, c, h, w), generator=g, dtype=torch.float32) for g in generators]
        noise = torch.cat(rows).to(device=device, dtype=dtype)
        return self.pipe._pack_latents(noise, len(generators), c, h, w)

    def decode(self, packed):
        """Packed latents → (B, 3, H, W) pixels in [0, 1], differentiable."""
        vae = self.pipe.vae
        latents = self.pipe._unpack_latents(packed, self.geometry.height, self.geometry.width,
                                            self.geometry.vae_scale_factor)
        latents = latents / vae.config.scaling_factor + vae.config.shift_factor
        image = vae.decode(latents.to(vae.dtype), return_dict=False)[0]
        return ((image + 1) / 2).clamp(0, 1)


def velocity(transformer, latents, sigma, cond: PromptConditioning, img_ids, guidance: float):
    """v = ε − x0 predicted at noise level ``sigma`` (B,), FLUX's call convention (timestep = σ)."""
    import torch

    batch = latents.shape[0]
    config = transformer.config if hasattr(transformer, "config") else transformer.module.config
    guidance_tensor = (torch.full((batch,), guidance, device=latents.device, dtype=latents.dtype)
                       if config.guidance_embeds else None)
    return transformer(hidden_states=latents, timestep=sigma.to(latents.dtype), guidance=guidance_tensor,
                       pooled_projections=cond.pooled, encoder_hidden_states=cond.embeds,
                       txt_ids=cond.text_ids, img_ids=img_ids, return_dict=False)[0]


def sample_x0(transformer, parts: FluxParts, cond: PromptConditioning, noise, *, steps: int, shift: float,
              guidance: float):
    """Euler flow-matching sampling from ``noise`` in ``steps`` steps on the shifted grid, no gradient."""
    import torch

    img_ids = parts.image_ids(noise.device, noise.dtype)
    grid = shifted_sigma(torch.linspace(1.0, 0.0, steps + 1, dtype=torch.float64), shift)
    latents = noise
    with torch.no_grad():
        for sigma, sigma_next in zip(grid[:-1], grid[1:], strict=True):
            sigma_batch = torch.full((latents.shape[0],), float(sigma), device=latents.device)
            v = velocity(transformer, latents, sigma_batch, cond, img_ids, guidance)
            latents = latents + (float(sigma_next) - float(sigma)) * v
    return latents


def one_step_reconstruction(transformer, parts: FluxParts, cond: PromptConditioning, x0, eps, u, *, steps: int,
                            shift: float, guidance: float):
    """x̂0 from ground-truth-noise x_t (σ_t = shift(u)), one model step to σ_{t−1} = shift(u − 1/steps)."""
    sigma_t = shifted_sigma(u, shift).to(x0.dtype)
    sigma_prev = shifted_sigma((u - 1.0 / steps).clamp(min=0.0), shift).to(x0.dtype)
    column = (-1,) + (1,) * (x0.ndim - 1)
    s_t, s_prev = sigma_t.view(column), sigma_prev.view(column)
    x_t = (1 - s_t) * x0 + s_t * eps
    v = velocity(transformer, x_t, sigma_t, cond, parts.image_ids(x0.device, x0.dtype), guidance)
    x_prev = x_t + (s_prev - s_t) * v
    return (x_prev - s_prev * eps) / (1 - s_prev)
