"""Throughput of the quality scorers: batched ``extract`` vs a one-image-per-call loop, in the same run.

    python benchmarks/bench_quality.py                          # the five tiny twins, CPU
    python benchmarks/bench_quality.py tiny-hps-v2.1 --images 64 --batch-sizes 8 32
    python benchmarks/bench_quality.py --device cuda --full-size --images 512 --batch-sizes 32 128

Each scorer reads, decodes and scores PNG files through ``extract`` (decoding included, as in ``eval``).
``--full-size`` times the real architectures (ViT-H/14, ViT-L/14, BLIP ViT-L + BERT, SigLIP so400m) with
seeded random weights built in code, so no download is needed: the speed is the real models' speed, the
scores mean nothing. The last line extrapolates the batched rate of all five to the 5,600 images of a
``divgenbench-v1`` run. Prints a Markdown table; --json writes the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_extractors import make_images, timed  # noqa: E402  (sibling script: same images, same timer)

from divgenbench.quality import QUALITY  # noqa: E402
from divgenbench.quality.torch_base import SeededRandomWeights  # noqa: E402

SCORERS = ("hps-v2.1", "pickscore", "clip-score", "imagereward", "aesthetic-v2.5")
ARCHITECTURE_FIELDS = ("config", "vision", "vit", "text")  # the class attributes that size each architecture
V1_IMAGES = 5600


def full_size_twin(name: str) -> type:
    """The tiny twin's class (seeded random weights, built in code) at the real scorer's architecture."""
    real, tiny = QUALITY.get(name), QUALITY.get(f"tiny-{name}")
    sizes = {field: getattr(real, field) for field in ARCHITECTURE_FIELDS if hasattr(real, field)}
    return type(f"FullSize{tiny.__name__}", (SeededRandomWeights, tiny), {"name": f"random-{name}", **sizes})


def bench_scorer(cls: type, label: str, items, batch_sizes: list[int], device: str | None) -> list[dict]:
    scorer = cls(device=device, batch_size=max(batch_sizes))
    scorer.extract(items[:2])  # build the model and warm up outside the timings
    scorer.batch_size = 1
    loop_s = timed(lambda: [scorer.extract([item]) for item in items])
    rows = []
    for batch in batch_sizes:
        scorer.batch_size = batch
        batched_s = timed(lambda: scorer.extract(items))
        rows.append({"scorer": label, "device": scorer.device, "dtype": scorer.dtype, "batch": batch,
                     "n": len(items), "per_s": len(items) / batched_s, "loop_per_s": len(items) / loop_s,
                     "ratio": loop_s / batched_s})
    return rows


def environment() -> str:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, {gpu}, "
            f"torch {torch.__version__}, {torch.get_num_threads()} torch threads")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scorers", nargs="*", help=f"scorer names (default: the tiny twins of {', '.join(SCORERS)})")
    parser.add_argument("--images", type=int, default=32)
    parser.add_argument("--size", type=int, default=512, help="square image side in pixels")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: cuda when available)")
    parser.add_argument("--full-size", action="store_true", help="the real architectures with random weights")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    if args.full_size:
        targets = [(full_size_twin(name), f"{name} (full size, random weights)") for name in args.scorers or SCORERS]
    else:
        targets = [(QUALITY.get(name), name) for name in args.scorers or [f"tiny-{name}" for name in SCORERS]]
    with tempfile.TemporaryDirectory() as tmp:
        items = make_images(Path(tmp), args.images, args.size)
        items = [type(item)(**{**item.__dict__, "text": f"a photo of an astronaut, number {i}"})
                 for i, item in enumerate(items)]
        rows = []
        for cls, label in targets:
            rows += bench_scorer(cls, label, items, args.batch_sizes, args.device)
    print(f"environment: {environment()}; {args.images} images of {args.size}x{args.size}\n")
    print("| scorer | device | dtype | batch | images/s | per-image loop /s | speed-up vs loop |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['scorer']} | {r['device']} | {r['dtype']} | {r['batch']} | {r['per_s']:.1f} "
              f"| {r['loop_per_s']:.1f} | {r['ratio']:.2f}× |")
    best = {}
    for r in rows:
        best[r["scorer"]] = max(best.get(r["scorer"], 0.0), r["per_s"])
    total = sum(V1_IMAGES / rate for rate in best.values())
    print(f"\nall {len(best)} scorers over the {V1_IMAGES:,} images of a divgenbench-v1 run, best batch each "
          f"(extrapolated): {total:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"environment": environment(), "rows": rows, "v1_total_s": total}, indent=2))


if __name__ == "__main__":
    main()
