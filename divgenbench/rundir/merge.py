"""Merge the run directories of shards (``--shard I/N`` job-array tasks) into one run.

The shards must share run.json (model, args, settings, protocol, limit, prompt bank): the merged run gets
that identity, so ``divgenbench score MERGED`` (or ``eval`` with the shards' flags) scores it without
generating anything.
Every planned image is taken from the first input that has it and copied atomically; the report lists
images no input has (missing), images several inputs have (duplicates: identical bytes, or a conflict
when they differ: the first input's is kept), and images outside the plan (extra: not copied).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import ConfigError, DataError
from ..hashing import sha256_bytes, sha256_file
from ..prompts import load_prompts
from ..protocol import get_protocol
from ..generators.base import GeneratedImage
from ..generators.runner import plan_requests
from . import RunDir, atomic_write_bytes


@dataclass
class MergeReport:
    output: Path
    identity: dict
    planned: int = 0
    copied: int = 0
    already_present: int = 0
    missing: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.conflicts


def read_identity(run: RunDir) -> dict:
    if not run.config_path.exists():
        raise DataError(f"{run.root} is not a run directory (no run.json)",
                        "pass the --output folders of the shard runs")
    try:
        return json.loads(run.config_path.read_text(encoding="utf-8"))
    except ValueError as exc:  # not JSON, or not UTF-8
        raise DataError(f"{run.config_path} is corrupt", "re-run that shard into a fresh folder") from exc


def merge_runs(inputs: Sequence[Path], output: Path, prompts_source: str = "bundled") -> MergeReport:
    """Copy the planned images of ``inputs`` into ``output`` (which may already hold some)."""
    if not inputs:
        raise ConfigError("merge needs at least one run directory", "pass the shard folders, e.g. runs/x/shard-*")
    runs = [RunDir(p) for p in inputs]
    out = RunDir(output)
    if out.root.resolve() in {r.root.resolve() for r in runs}:
        raise ConfigError(f"output {out.root} is also an input", "merge into a new folder with -o")
    identities = [read_identity(r) for r in runs]
    for run, identity in zip(runs[1:], identities[1:]):
        changed = sorted(k for k in set(identity) | set(identities[0]) if identity.get(k) != identities[0].get(k))
        if changed:
            raise ConfigError(f"{run.root} and {runs[0].root} are not shards of one run ({', '.join(changed)} differ)",
                              "merge only folders made with the same model, args, settings, protocol and limit")
    identity = identities[0]
    bank = load_prompts(prompts_source)
    if bank.sha256 != identity.get("prompt_bank_sha256"):
        raise ConfigError(f"the shards used prompt bank {identity.get('prompt_bank_sha256')}, "
                          f"{prompts_source!r} is {bank.sha256}", "pass the shards' --prompts-source")
    out.prepare()
    out.check_config(identity)
    report = MergeReport(out.root, identity)
    requests = plan_requests(bank, get_protocol(identity["protocol"]), identity.get("limit"))
    report.planned = len(requests)
    planned_paths = set()
    with open(out.journal_writer_path("merge"), "a", encoding="utf-8") as log:
        for request in requests:
            target = out.image_path(request.dimension, request.prompt_id, request.k)
            planned_paths.add(out.relative(target))
            key = f"{request.prompt_id}_{request.k}"
            sources = [p for r in runs if (p := r.image_path(request.dimension, request.prompt_id, request.k)).exists()]
            if len(sources) > 1:
                digests = {sha256_file(p) for p in sources}
                (report.duplicates if len(digests) == 1 else report.conflicts).append(key)
            if target.exists():
                report.already_present += 1
                continue
            if not sources:
                report.missing.append(key)
                continue
            data = sources[0].read_bytes()
            atomic_write_bytes(target, data)
            record = GeneratedImage(request.prompt_id, request.dimension, request.k, request.seed,
                                    out.relative(target), sha256_bytes(data))
            log.write(json.dumps(asdict(record)) + "\n")
            report.copied += 1
    for run in runs:
        report.extra += sorted(f"{run.root}/{run.relative(p)}" for p in (run.root / "images").rglob("*.png")
                               if run.relative(p) not in planned_paths)
    _merge_generator_info(runs, out, report)
    return report


def _merge_generator_info(runs: Sequence[RunDir], out: RunDir, report: MergeReport) -> None:
    """Carry the generator's resolved settings over (from the first shard that recorded them)."""
    infos = [(r, r.generator_info_path.read_bytes()) for r in runs if r.generator_info_path.exists()]
    if not infos:
        return
    if not out.generator_info_path.exists():
        atomic_write_bytes(out.generator_info_path, infos[0][1])
    comparable = {json.dumps({k: v for k, v in json.loads(data).items() if k != "settings"}, sort_keys=True)
                  for _, data in infos}
    if len(comparable) > 1:
        report.notes.append("the shards' generator.json differ (e.g. library versions); kept "
                            f"{infos[0][0].root}'s")
