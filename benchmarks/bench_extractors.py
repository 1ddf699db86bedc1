"""Throughput of registered extractors: batched calls vs a one-image-per-call loop, in the same run.

    python benchmarks/bench_extractors.py                       # every extractor that can run here
    python benchmarks/bench_extractors.py tiny-arcface dlib --images 64 --batch-sizes 1 8 32 64
    python benchmarks/bench_extractors.py arcface --size 720    # needs `divgenbench models download arcface`

Registry-driven: any name in ``divgenbench.extractors.EXTRACTORS`` works (style and detection extractors
included), constructed with its defaults. Images are scikit-image's astronaut, resized to --size and varied
per image (shift, brightness), so face extractors see one real face per image. The feature cache is
bypassed for the timings (``extract`` is called directly); a last column times a fully cached pass through
``pipeline.extract_features``. For insightface-based extractors, the recognizer alone is also timed on
aligned 112×112 crops (the "aligned faces/s" figure). Prints a Markdown table; --json writes the rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from divgenbench.errors import DivGenBenchError  # noqa: E402
from divgenbench.extractors import EXTRACTORS  # noqa: E402
from divgenbench.extractors.base import ImageItem  # noqa: E402

from random_weights import RANDOM_WEIGHTS  # noqa: E402  (benchmarks/ is on sys.path when run as a script)


def make_images(folder: Path, count: int, size: int, seed: int = 0) -> list[ImageItem]:
    import skimage.data

    rng = np.random.default_rng(seed)
    base = Image.fromarray(skimage.data.astronaut()).resize((size, size), Image.Resampling.BICUBIC)
    items = []
    for i in range(count):
        dx, dy = (int(v) for v in rng.integers(-size // 40, size // 40 + 1, 2))
        image = ImageEnhance.Brightness(base.rotate(0, translate=(dx, dy))).enhance(float(rng.uniform(0.8, 1.2)))
        path = folder / f"bench-{i:05d}.png"
        image.save(path)
        # The astronaut is a person: detectors get the Layout query a "person" prompt would carry.
        items.append(ImageItem(path.stem, path, hashlib.sha256(path.read_bytes()).hexdigest(), "layout",
                               f"layout-{i:04d}", {"class": "person", "query": "person.", "count": 1}))
    return items


def emit(rows: list[dict], row: dict) -> None:
    """Keep ``row`` and print it at once, so a run stopped by its time limit still shows what it measured."""
    rows.append(row)
    print(f"| {row['extractor']} | {row['stage']} | {row['batch'] or '—'} | {row['per_s']:.1f} | "
          f"{row['loop_per_s']:.1f} | {row['ratio']:.2f}× |", flush=True)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_extractor(name: str, items: list[ImageItem], batch_sizes: list[int],
                    options: dict | None = None) -> list[dict]:
    from divgenbench.pipeline import extract_features

    extractor = EXTRACTORS.get(name)(**(options or {}))
    warm = extractor.extract(items[:2])  # open the model and warm up outside the timings
    statuses = sorted({r.status for r in warm})
    loop_s = timed(lambda: [extractor.extract([item]) for item in items])
    rows = []
    for batch in batch_sizes:
        def run_batched() -> None:
            for start in range(0, len(items), batch):
                extractor.extract(items[start:start + batch])
        batched_s = timed(run_batched)
        emit(rows, {"extractor": name, "stage": f"read + model (statuses: {', '.join(statuses)})", "batch": batch, "n": len(items),
                     "per_s": len(items) / batched_s, "loop_per_s": len(items) / loop_s, "ratio": loop_s / batched_s})
    extract_features(extractor, items, lambda n: None)  # fill the cache
    cached_s = timed(lambda: extract_features(EXTRACTORS.get(name)(**(options or {})), items, lambda n: None))
    emit(rows, {"extractor": name, "stage": "cache hits (extract_features)", "batch": None, "n": len(items),
                 "per_s": len(items) / cached_s, "loop_per_s": len(items) / loop_s, "ratio": loop_s / cached_s})
    rows += bench_recognizer(name, extractor, batch_sizes)
    return rows


def bench_recognizer(name: str, extractor, batch_sizes: list[int], crops_count: int = 256) -> list[dict]:
    """ArcFace alone on aligned crops: one session run per batch vs one per crop."""
    from divgenbench.extractors.faces import ALIGNED_SIZE, InsightFaceExtractor

    if not isinstance(extractor, InsightFaceExtractor):
        return []
    _, recognizer = extractor._load()
    rng = np.random.default_rng(1)
    crops = [rng.integers(0, 256, (ALIGNED_SIZE, ALIGNED_SIZE, 3), dtype=np.uint8) for _ in range(crops_count)]
    recognizer.get_feat(crops[:2])
    loop_s = timed(lambda: [recognizer.get_feat([c]) for c in crops])
    rows = []
    for batch in batch_sizes:
        batched_s = timed(lambda: [recognizer.get_feat(crops[s:s + batch]) for s in range(0, crops_count, batch)])
        emit(rows, {"extractor": name, "stage": "recognizer on aligned crops", "batch": batch, "n": crops_count,
                     "per_s": crops_count / batched_s, "loop_per_s": crops_count / loop_s,
                     "ratio": loop_s / batched_s})
    return rows


def environment() -> str:
    import onnxruntime

    try:
        import torch

        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    except ImportError:
        gpu = "torch not installed"
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, {gpu}, "
            f"onnxruntime {onnxruntime.__version__} providers {onnxruntime.get_available_providers()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("extractors", nargs="*", help="registered extractor names (default: all that can run here)")
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--size", type=int, default=512, help="square image side in pixels")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--random-weights", action="store_true",
                        help="time csd and grounding-dino on real-size random-weight checkpoints (no download)")
    args = parser.parse_args()
    names = args.extractors or EXTRACTORS.names()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DIVGENBENCH_HOME"] = str(Path(tmp) / "home")  # a private, empty feature cache
        items = make_images(Path(tmp), args.images, args.size)
        rows, skipped = [], []
        print(f"environment: {environment()}; {args.images} images of {args.size}x{args.size}\n")
        print("| extractor | stage | batch | images/s | per-image loop /s | speed-up vs loop |")
        print("|---|---|---|---|---|---|", flush=True)
        for name in names:
            try:
                options = {}
                if args.random_weights and name in RANDOM_WEIGHTS:
                    write, keyword = RANDOM_WEIGHTS[name]
                    options = {keyword: write(Path(tmp))}
                rows += bench_extractor(name, items, args.batch_sizes, options)
            except (DivGenBenchError, ImportError) as exc:  # weights absent, extra not installed
                skipped.append(f"{name}: {exc}")
    for line in skipped:
        print(f"\nskipped {line}")
    if args.json:
        args.json.write_text(json.dumps({"environment": environment(), "rows": rows, "skipped": skipped}, indent=2))


if __name__ == "__main__":
    main()
