"""D2-Align training cost: seconds per step and peak memory of stage 1 (b_v) and stage 2 (generator).

    PYTHONPATH=. python benchmarks/bench_train.py                                # tiny FLUX + tiny HPS on CPU
    PYTHONPATH=. python benchmarks/bench_train.py --full-size --device cuda      # FLUX.1-dev arch at 720², GPU

Tiny: tiny-flux (64², 4 sampling steps, float32) and tiny-hps-v2.1 on CPU. Full size: FLUX.1-dev's transformer,
VAE, CLIP-L and T5-XXL configurations and HPS-v2.1's OpenCLIP ViT-H/14, all with random weights (nothing to
download), bf16, 720², 25 sampling steps, gradient checkpointing, Table 3's optimiser; stage 2 as LoRA (rank 64)
by default, ``--mode full`` for a single-process full fine-tune (12B parameters + AdamW states; several GPUs
shard it with examples/accelerate_fsdp.yaml).

Each stage runs through ``D2AlignTrainer`` itself. Seconds per step are the median over steps after the first
(the first pays for allocator warm-up); peak memory is the largest per-step peak (CUDA: allocated tensors;
CPU: the process's resident peak). Stage 1 is run both ways SPEC §8 allows: ``fresh`` (pairs drawn every step)
and ``cached`` (drawn once before the loop; its one-off drawing time is reported beside its steps), so the
ratio cached ÷ fresh is measured in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_generate import build_flux_architecture  # noqa: E402

from divgenbench.training.config import parse_config  # noqa: E402
from divgenbench.training.log import read_log  # noqa: E402
from divgenbench.training.loop import D2AlignTrainer  # noqa: E402

PROMPTS = ["a photo of an old fisherman mending a net at dawn", "an oil painting of a lighthouse in a storm",
           "a watercolor of a fox in a snowy forest", "a cyberpunk street market at night, neon signs"]


def avoid_cudnn_attention_backward() -> None:
    """cuDNN's fused attention backward failed on the H200 this was measured on (torch 2.11 + cu130:
    ``mha_graph.execute(...).is_good()`` false, or an illegal memory access under gradient checkpointing);
    the flash / memory-efficient SDPA kernels are used instead."""
    if torch.cuda.is_available():
        torch.backends.cuda.enable_cudnn_sdp(False)


def full_size_hps(device: str):
    """HPS-v2.1's architecture (open_clip ViT-H/14) with seeded random weights."""
    from divgenbench.quality.hps import VIT_H_14, _HpsScorer
    from divgenbench.quality.torch_base import SeededRandomWeights

    class RandomFullSizeHps(SeededRandomWeights, _HpsScorer):
        name = "hps-v2.1-architecture-random"
        config = VIT_H_14

        def _identity(self):  # no weights hash: hashing 1B random parameters would be timed as training
            return f"{self.name} (random weights, seed {self.seed})", None, None

    return RandomFullSizeHps(device=device, dtype="bfloat16")


def recipe(full: bool, device: str, steps1: int, steps2: int, sampling: str, mode: str):
    data = {"seed": 42, "device": device, "gradient_checkpointing": full,
            "model": {"generator": "tiny-flux", "dtype": "bfloat16" if full else "float32",
                      "max_sequence_length": 512 if full else 64},
            "reward": {"name": "tiny-hps-v2.1"},
            "sampling": {"resolution": 720 if full else 64, "steps": 25 if full else 4},
            "optim": {"lr": 5e-6, "gradient_accumulation": 2},
            "stage1": {"steps": steps1, "sampling": sampling},
            "stage2": {"steps": steps2, "mode": mode, "lora_rank": 64 if full else 4, "lora_alpha": 128.0 if full else 8.0}}
    return parse_config(data)


def step_figures(output: Path, stage: int) -> tuple[float, float, int]:
    rows = [r for r in read_log(output / "train_log.csv") if r["stage"] == stage]
    times = [r["value"] for r in rows if r["metric"] == "step_time_s"]
    peaks = [r["value"] for r in rows if r["metric"] == "peak_memory_mb"]
    timed = times[1:] or times
    return statistics.median(timed), max(peaks), len(times)


def run_stage(pipe, scorer, config, stage: str, root: Path, label: str) -> dict:
    output = root / label
    trainer = D2AlignTrainer(config, output, scorer=scorer, pipe=pipe, prompts=PROMPTS, progress=False)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    began = time.perf_counter()
    trainer.run(stage)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    wall = time.perf_counter() - began
    number = 1 if stage == "1" else 2
    per_step, peak, steps = step_figures(output, number)
    return {"label": label, "steps": steps, "s_per_step": per_step, "peak_memory_mb": peak,
            "wall_s": wall, "outside_steps_s": max(0.0, wall - per_step * steps)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full-size", action="store_true", help="FLUX.1-dev architecture at 720² (GPU)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps1", type=int, default=None, help="stage-1 steps per mode (default 3 full, 6 tiny)")
    parser.add_argument("--steps2", type=int, default=None, help="stage-2 steps (default 3 full, 4 tiny)")
    parser.add_argument("--mode", default="lora", choices=["lora", "full"], help="stage-2 training mode")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    full = args.full_size
    steps1 = args.steps1 or (3 if full else 6)
    steps2 = args.steps2 or (3 if full else 4)
    started = time.perf_counter()
    if full:
        avoid_cudnn_attention_backward()
        pipe = build_flux_architecture("full", torch.bfloat16, args.device)
        scorer = full_size_hps(args.device)
    else:
        from divgenbench.generators.tiny_flux import build_tiny_flux_pipeline
        from divgenbench.quality import load_scorer

        pipe = build_tiny_flux_pipeline(0, "float32")
        scorer = load_scorer("tiny-hps-v2.1", device=args.device)
    build_s = time.perf_counter() - started
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for sampling in ("fresh", "cached"):
            config = recipe(full, args.device, steps1, steps2, sampling, "lora")
            rows.append({"stage": 1, **run_stage(pipe, scorer, config, "1", root, f"stage1-{sampling}")})
            print(json.dumps(rows[-1]), flush=True)
        config = recipe(full, args.device, steps1, steps2, "cached", args.mode)
        (root / "stage2").mkdir()
        shutil.copy(root / "stage1-cached" / "b_v.safetensors", root / "stage2" / "b_v.safetensors")
        try:
            rows.append({"stage": 2, "mode": args.mode, **run_stage(pipe, scorer, config, "2", root, "stage2")})
        except torch.OutOfMemoryError as exc:
            rows.append({"stage": 2, "mode": args.mode, "error": f"out of memory: {str(exc)[:160]}"})
        print(json.dumps(rows[-1]), flush=True)
    fresh, cached = rows[0], rows[1]
    summary = {"scale": "FLUX.1-dev architecture, 720², 25 steps, bf16" if full else "tiny-flux 64², 4 steps, fp32",
               "device": torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu",
               "build_s": build_s, "rows": rows,
               "stage1_cached_over_fresh_s_per_step": cached["s_per_step"] / fresh["s_per_step"],
               "stage1_cached_total_over_fresh_total": cached["wall_s"] / fresh["wall_s"]}
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
