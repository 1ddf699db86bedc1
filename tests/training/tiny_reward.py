"""A tiny differentiable reward with seeded random weights, for training tests.

It implements divgenbench.quality.DifferentiableScorer with a CLIP-like shape (an image tower and a text tower
into one unit-sphere space) so the trainer's math is exercised without HPS weights.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

TINY_REWARD_DIM = 16


class TinyReward(torch.nn.Module):
    name = "tiny-test-reward"

    def __init__(self, seed: int = 0, dim: int = TINY_REWARD_DIM, dtype=torch.float64):
        super().__init__()
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        self.image_tower = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, stride=2), torch.nn.GELU(),
                                               torch.nn.AdaptiveAvgPool2d(4), torch.nn.Flatten(),
                                               torch.nn.Linear(128, dim))
        self.text_tower = torch.nn.EmbeddingBag(256, dim, mode="mean")
        torch.random.set_rng_state(generator_state)
        self.to(dtype)
        self.requires_grad_(False)
        self.dtype = dtype

    def encode_image(self, pixels):
        pixels = F.interpolate(pixels.to(self.dtype), size=(32, 32), mode="bilinear", align_corners=False)
        return F.normalize(self.image_tower(pixels), dim=-1)

    def encode_text(self, prompts):
        rows = [torch.tensor(list(p.encode("utf-8"))[:64] or [0]) for p in prompts]
        offsets = torch.tensor([0] + [len(r) for r in rows[:-1]]).cumsum(0)
        return F.normalize(self.text_tower(torch.cat(rows), offsets), dim=-1)

    def reward(self, pixels, prompts):
        return (self.encode_image(pixels) * self.encode_text(prompts)).sum(-1)
