"""Resumable image generation into a run directory.

An image exists once its PNG exists: PNGs are written to a temporary name and renamed, so a kill at
any point leaves no half-written image, and a resumed run only makes the missing ones. Records go to
a per-process journal; ``collect_samples`` reconciles journal and images (re-hashing any image whose
record a kill cut off).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict

from ..hashing import sha256_file
from ..prompts.bank import PromptBank
from ..protocol import DIMENSIONS, Protocol, evenly_spaced
from ..rundir import RunDir, atomic_write_bytes
from .base import GeneratedImage, Generator, ImageRequest

ProgressCallback = Callable[[int], None]


def plan_requests(bank: PromptBank, protocol: Protocol, limit: int | None = None) -> list[ImageRequest]:
    """Every image the protocol asks for, in bank order; ``limit`` keeps K evenly spaced prompts."""
    count = protocol.prompts_per_dimension
    if limit is not None:
        count = min(limit, count) if count else limit
    requests = []
    for dim in DIMENSIONS:
        for prompt in evenly_spaced(bank[dim], count):
            for k in range(protocol.count_for(dim)):
                requests.append(ImageRequest(prompt.id, dim, prompt.text, k, protocol.seed(prompt.id, k)))
    return requests


def pending_requests(run: RunDir, requests: Iterable[ImageRequest]) -> list[ImageRequest]:
    return [r for r in requests if not run.image_path(r.dimension, r.prompt_id, r.k).exists()]


def encode_png(image) -> bytes:
    """Lossless PNG bytes; fixed settings so the same pixels always give the same file."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def batched(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def generate_images(generator: Generator, requests: Sequence[ImageRequest], run: RunDir, batch_size: int,
                    on_progress: ProgressCallback | None = None) -> int:
    """Generate ``requests`` (already filtered to pending) in batches; returns how many were written."""
    written = 0
    journal = run.journal_writer_path()
    with open(journal, "a", encoding="utf-8") as log:
        for batch in batched(list(requests), batch_size):
            images = generator.generate(batch)
            for request, image in zip(batch, images, strict=True):
                data = encode_png(image)
                path = run.image_path(request.dimension, request.prompt_id, request.k)
                atomic_write_bytes(path, data)
                record = GeneratedImage(request.prompt_id, request.dimension, request.k, request.seed,
                                        run.relative(path), hashlib.sha256(data).hexdigest())
                log.write(json.dumps(asdict(record)) + "\n")
                log.flush()
                written += 1
            if on_progress:
                on_progress(len(batch))
    return written


def collect_samples(run: RunDir, requests: Sequence[ImageRequest]) -> tuple[list[GeneratedImage], list[ImageRequest]]:
    """Records of the requested images that exist, and the requests still missing an image."""
    journal = {(r["prompt_id"], int(r["k"])): r for r in run.journal_records()}
    found, missing = [], []
    for request in requests:
        path = run.image_path(request.dimension, request.prompt_id, request.k)
        if not path.exists():
            missing.append(request)
            continue
        record = journal.get((request.prompt_id, request.k))
        digest = record["sha256"] if record and record.get("path") == run.relative(path) else None
        if digest is None:
            digest = sha256_file(path)
        found.append(GeneratedImage(request.prompt_id, request.dimension, request.k, request.seed,
                                    run.relative(path), digest))
    return found, missing


def write_samples(run: RunDir, samples: Sequence[GeneratedImage]) -> None:
    """The consolidated ``samples.jsonl`` sidecar, sorted as the bank is."""
    lines = "".join(json.dumps(asdict(s), sort_keys=True) + "\n" for s in samples)
    atomic_write_bytes(run.samples_path, lines.encode())
