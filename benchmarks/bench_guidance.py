"""Guidance with a LoRA as the tuned model: one transformer with the adapter switched per branch
(``others=lora@path=…``) against a second, fused copy (``others=NAME@checkpoint=…``), same run.

    PYTHONPATH=. python benchmarks/bench_guidance.py            # FLUX architecture, CPU-sized, float32
    PYTHONPATH=. python benchmarks/bench_guidance.py --full     # FLUX.1-dev's sizes, bf16 (a GPU)

Both run ``lora-scale`` (s = 0.5) through ``guide_pipeline`` on the same pipeline, prompts and seeds; the
baseline is the base pipeline unguided. Reported: transformer parameter memory of each guided denoiser (the
point of adapter branches) and images/s, as ratios to the fused-copy variant. The adapter branch pays the
unfused LoRA matmuls and the per-branch switch; the copy pays a second set of weights.
"""

from __future__ import annotations

import argparse
import copy
import time

import torch
from bench_generate import build_flux_architecture

from divgenbench.guidance import GUIDANCE, guide_pipeline
from divgenbench.guidance.base import AdapterBranch

PROMPTS = ["A high-quality portrait photo of an elderly woman", "Three teddy bears on a white background"]
TARGETS = ["to_q", "to_k", "to_v", "to_out.0"]


def parameter_bytes(module: torch.nn.Module) -> int:
    seen = {id(p): p for p in module.parameters()}  # shared weights count once
    return sum(p.numel() * p.element_size() for p in seen.values())


def images_per_second(pipe, steps: int, size: int, repeats: int) -> float:
    def run():
        pipe(PROMPTS, num_inference_steps=steps, height=size, width=size, max_sequence_length=128,
             generator=[torch.Generator().manual_seed(i) for i in range(len(PROMPTS))])

    run()  # warm-up
    started = time.perf_counter()
    for _ in range(repeats):
        run()
    return repeats * len(PROMPTS) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="FLUX.1-dev's sizes in bf16 on the GPU")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--rank", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    device = "cuda" if args.full else "cpu"
    dtype = torch.bfloat16 if args.full else torch.float32
    from peft import LoraConfig

    pipe = build_flux_architecture("full" if args.full else "cpu", dtype, device)
    pipe.set_progress_bar_config(disable=True)
    method = GUIDANCE.get("lora-scale").from_model_args({"scale": "0.5"})
    base_rate = images_per_second(pipe, args.steps, args.size, args.repeats)

    torch.manual_seed(1)
    pipe.transformer.add_adapter(LoraConfig(r=args.rank, lora_alpha=args.rank, target_modules=TARGETS,
                                            init_lora_weights=False), adapter_name="tuned")
    fused = copy.deepcopy(pipe.transformer)
    fused.fuse_lora(adapter_names=["tuned"])
    fused.unload_lora()
    pipe.transformer.disable_adapters()

    variants = {"fused copy (NAME@checkpoint)": guide_pipeline(pipe, [fused], method, args.steps),
                "adapter branch (lora@path)": guide_pipeline(pipe, [AdapterBranch("tuned")], method, args.steps)}
    rows = {}
    for label, guided in variants.items():
        rows[label] = (parameter_bytes(guided.transformer), images_per_second(guided, args.steps, args.size,
                                                                              args.repeats))
    reference_bytes, reference_rate = rows["fused copy (NAME@checkpoint)"]
    print(f"FLUX architecture ({'full, bf16, cuda' if args.full else 'CPU-sized, float32'}), {args.size}², "
          f"{args.steps} steps, batch {len(PROMPTS)}, LoRA rank {args.rank}; base unguided {base_rate:.3f} img/s")
    print(f"{'variant':32} {'transformer MiB':>16} {'× copy':>7} {'img/s':>8} {'× copy':>7}")
    for label, (size, rate) in rows.items():
        print(f"{label:32} {size / 2**20:16.1f} {size / reference_bytes:7.2f} {rate:8.3f} {rate / reference_rate:7.2f}")


if __name__ == "__main__":
    main()
