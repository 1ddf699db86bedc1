"""Resumable, shardable image generation into a run directory.

An image exists once its PNG exists: PNGs are written to a temporary name and renamed, so a kill at
any point leaves no half-written image, and a resumed run only makes the missing ones. Records go to
a per-process journal; ``collect_samples`` reconciles journal and images (re-hashing any image whose
record a kill cut off).

Several processes may continue one run directory at once. [choice] Each image is claimed with an OS
file lock (``filelock``: flock on POSIX, msvcrt on Windows) held while it is generated and written; a
lock dies with its process, so a killed claimant never blocks a resume. A first pass takes the free
images; a second pass waits for images other processes hold and makes those whose claimant died.
Launchers that know their rank (``--shard I/N``, accelerate) split the work deterministically instead
(``Shard``), so they never contend.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass

from filelock import FileLock, Timeout

from ..errors import ConfigError
from ..hashing import sha256_bytes, sha256_file
from ..prompts.bank import PromptBank
from ..protocol import Protocol, evenly_spaced
from ..rundir import RunDir, atomic_write_bytes
from .base import EncodedImage, GeneratedImage, Generator, ImageRequest, Unavailable

ProgressCallback = Callable[[int], None]
SHARD_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Share ``index`` of ``count``: images i with i mod count == index, in plan order.

    [choice] Round-robin over images (not prompts): every share gets the same mix of dimensions and the
    same number of images ±1, so shards finish together; the split depends only on the plan.
    """

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ConfigError(f"shard {self.index}/{self.count} is out of range",
                              "write --shard I/N with 0 <= I < N, e.g. --shard 0/4")

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = SHARD_PATTERN.match(text)
        if not match:
            raise ConfigError(f"--shard {text!r} is not I/N", "write e.g. --shard 0/4 (0-based, as SLURM_ARRAY_TASK_ID)")
        return cls(int(match.group(1)), int(match.group(2)))

    def within(self, outer: Shard) -> Shard:
        """This share taken inside ``outer``'s share (a rank of an accelerate job that is one array task)."""
        return Shard(outer.index + self.index * outer.count, outer.count * self.count)

    def select(self, requests: Sequence[ImageRequest]) -> list[ImageRequest]:
        return list(requests[self.index::self.count])

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class MissingImage:
    """A planned image with no file; ``reason`` is 'missing' or the generator's (e.g. 'corrupt')."""

    request: ImageRequest
    reason: str = "missing"
    message: str = ""


def plan_requests(bank: PromptBank, protocol: Protocol, limit: int | None = None) -> list[ImageRequest]:
    """Every image the protocol asks for, in bank order; ``limit`` keeps K evenly spaced prompts."""
    count = protocol.prompts_per_dimension
    if limit is not None:
        count = min(limit, count) if count else limit
    requests = []
    for dim in protocol.dimensions:
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


def _claimed_batches(run: RunDir, requests: Sequence[ImageRequest], batch_size: int, stack: ExitStack,
                     wait: bool, made_elsewhere: Callable[[ImageRequest], None]) -> Iterator[list[ImageRequest]]:
    """Batches of still-missing requests whose lock this process holds (released by the caller);
    ``made_elsewhere`` hears of each request whose image another process wrote."""
    batch: list[ImageRequest] = []
    for request in requests:
        path = run.image_path(request.dimension, request.prompt_id, request.k)
        if path.exists():
            made_elsewhere(request)
            continue
        lock_path = run.lock_path(request.prompt_id, request.k)
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path, timeout=-1 if wait else 0, is_singleton=False)
        try:
            lock.acquire()
        except Timeout:  # another process is making it; the second pass comes back for it
            continue
        if path.exists():  # finished while we waited for the lock
            lock.release()
            made_elsewhere(request)
            continue
        stack.callback(lock.release)
        batch.append(request)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def generate_images(generator: Generator, requests: Sequence[ImageRequest], run: RunDir, batch_size: int,
                    on_progress: ProgressCallback | None = None) -> int:
    """Make the missing images of ``requests`` in batches; returns how many this process wrote.

    ``Unavailable`` outputs are journaled with their reason (re-tried on the next run, not in the second
    pass); images are written atomically, ``EncodedImage`` bytes verbatim. ``on_progress`` counts each
    request once, whether this process made it, could not, or found it made by another process.
    """
    advance = on_progress or (lambda n: None)
    written = 0
    settled: set[tuple[str, int]] = set()  # requests this call has counted

    def settle(batch: Sequence[ImageRequest]) -> None:
        settled.update((r.prompt_id, r.k) for r in batch)
        advance(len(batch))

    with open(run.journal_writer_path(), "a", encoding="utf-8") as log:
        for wait in (False, True):
            batches = ExitStack()
            unsettled = [r for r in requests if (r.prompt_id, r.k) not in settled]
            with batches:
                for batch in _claimed_batches(run, unsettled, batch_size, batches, wait, lambda r: settle([r])):
                    with batches.pop_all():  # locks of this batch, released once it is written
                        written += _write_batch(run, batch, generator.generate(batch), log)
                    settle(batch)
    return written


def remove_finished_locks(run: RunDir, requests: Iterable[ImageRequest]) -> None:
    """Delete the lock files of images that exist. Safe against racing processes: a claimant locks, then
    re-checks that the image is still missing, so a lock whose image exists is never needed again."""
    for request in requests:
        if run.image_path(request.dimension, request.prompt_id, request.k).exists():
            run.lock_path(request.prompt_id, request.k).unlink(missing_ok=True)
    try:
        (run.root / "locks").rmdir()  # only when empty: another process may hold one
    except OSError:
        pass


def _write_image(path, data: bytes, attempts: int = 3) -> None:
    """Atomic write that survives a concurrent process starting up: its clean-up of a killed run's
    temporaries may delete our temporary before the rename (FileNotFoundError), so write it again."""
    for attempt in range(attempts):
        try:
            return atomic_write_bytes(path, data)
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise


def _write_batch(run: RunDir, batch: Sequence[ImageRequest], outputs: Sequence, log) -> int:
    written = 0
    for request, output in zip(batch, outputs, strict=True):
        if isinstance(output, Unavailable):
            log.write(json.dumps({"prompt_id": request.prompt_id, "k": request.k, "status": output.reason,
                                  "message": output.message}) + "\n")
            continue
        data = output.data if isinstance(output, EncodedImage) else encode_png(output)
        path = run.image_path(request.dimension, request.prompt_id, request.k)
        _write_image(path, data)
        extra = {"source": output.source} if isinstance(output, EncodedImage) and output.source else {}
        record = GeneratedImage(request.prompt_id, request.dimension, request.k, request.seed,
                                run.relative(path), sha256_bytes(data), extra)
        log.write(json.dumps(asdict(record)) + "\n")
        written += 1
    log.flush()
    return written


def collect_samples(run: RunDir, requests: Sequence[ImageRequest], trust_journal: bool = True
                    ) -> tuple[list[GeneratedImage], list[MissingImage]]:
    """Records of the requested images that exist, and the requests still missing an image (with the
    generator's reason when it gave one). ``trust_journal=False`` (``score``: a folder may have changed, or come
    from someone else) hashes every image instead of taking the journal's word."""
    journal: dict[tuple[str, int], dict] = {}
    failures: dict[tuple[str, int], dict] = {}
    for record in run.journal_records():
        key = (record["prompt_id"], int(record["k"]))
        (failures if "status" in record else journal)[key] = record
    found, missing = [], []
    for request in requests:
        key = (request.prompt_id, request.k)
        path = run.image_path(request.dimension, request.prompt_id, request.k)
        if not path.exists():
            failure = failures.get(key, {})
            missing.append(MissingImage(request, failure.get("status", "missing"), failure.get("message", "")))
            continue
        record = journal.get(key)
        digest = record["sha256"] if trust_journal and record and record.get("path") == run.relative(path) else None
        if digest is None:
            digest = sha256_file(path)
        found.append(GeneratedImage(request.prompt_id, request.dimension, request.k, request.seed,
                                    run.relative(path), digest, (record or {}).get("extra", {})))
    return found, missing
