"""A saved b_v as the reward of a GRPO-style trainer (the paper's Tables 6–7: DanceGRPO + b_v).

GRPO only needs one scalar per sample: replace ``scorer.reward(pixels, prompts)`` with R_guided and keep the
rest of the loop. Runs on the tiny models after `examples/d2align_tiny.sh` (or any D2-Align stage 1 output):

    python examples/guided_reward_grpo.py runs/d2align-tiny/train tiny-hps-v2.1
"""

from __future__ import annotations

import sys

import torch

from divgenbench.generators.tiny_flux import build_tiny_flux_pipeline
from divgenbench.quality import load_scorer
from divgenbench.training.guided_reward import GuidedReward

GROUP = 4  # samples per prompt, as in GRPO


def group_advantages(rewards: torch.Tensor, group: int) -> torch.Tensor:
    """GRPO's advantage: each reward standardised within its prompt's group."""
    by_group = rewards.view(-1, group)
    return ((by_group - by_group.mean(1, keepdim=True)) / (by_group.std(1, keepdim=True) + 1e-6)).flatten()


def main(direction_path: str, reward_name: str) -> None:
    scorer = load_scorer(reward_name, device="cpu")
    reward = GuidedReward.from_file(direction_path, scorer)  # refuses a b_v learned in another reward model
    pipe = build_tiny_flux_pipeline(0, "float32")
    prompts = ["a watercolor of a fox in a snowy forest", "a portrait of an old sailor"]
    rollout_prompts = [p for p in prompts for _ in range(GROUP)]
    generator = torch.Generator().manual_seed(0)
    images = pipe(rollout_prompts, height=64, width=64, num_inference_steps=4, generator=generator,
                  output_type="pt", max_sequence_length=64).images  # (B, 3, H, W) in [0, 1]
    with torch.no_grad():
        guided = reward(images, rollout_prompts)  # R_guided: one value per rollout
        plain = scorer.reward(images, rollout_prompts)
    advantages = group_advantages(guided, GROUP)
    # A GRPO step would now weight each rollout's log-probability ratio by its advantage.
    for prompt, r, p, a in zip(rollout_prompts, guided.tolist(), plain.tolist(), advantages.tolist(), strict=True):
        print(f"{prompt[:40]:40s}  R_guided {r:+.4f}  R {p:+.4f}  advantage {a:+.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
