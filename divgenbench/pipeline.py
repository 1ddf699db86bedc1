"""``evaluate``: prompts → generate → extract → score → results, resumable from the run directory.

One entry function returning one typed result; writing the terminal table and the report are
separate layers (cli, report) that consume it.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from . import store
from .environment import environment, toolkit
from .errors import ConfigError, DataError, MissingWeightsError
from .extractors import EXTRACTORS, ImageItem, extractor_for
from .extractors.base import Extractor, FeatureRecord, content_key
from .extractors.cache import FeatureCache
from .generators import GENERATORS, GenerationSettings
from .generators.base import Generator, ImageRequest
from .generators.runner import (
    Shard,
    collect_samples,
    generate_images,
    pending_requests,
    plan_requests,
    remove_finished_locks,
)
from .metrics import METRICS, metric_keys
from .metrics.base import FeatureTable, Metric, MetricContext, MetricOutcome
from .metrics.bootstrap import bootstrap_interval
from .prompts import prompts_for
from .prompts.bank import PromptBank
from .protocol import DIMENSIONS, Protocol, get_protocol
from .quality import QUALITY, default_scorers
from .quality.base import QualityScorer, quality_sidecar, quality_statistic
from .reference import StyleReferenceLoader, read_manifest
from .results.choices import scoring_choices
from .results.io import results_path, write_results
from .results.models import (
    Diagnostics,
    ExtractorInfo,
    FeatureOrigin,
    Interval,
    ModelInfo,
    PromptBankInfo,
    ProtocolInfo,
    QualityScorerInfo,
    Results,
    ScoreValue,
    SkippedImage,
)
from .rundir import RunDir, atomic_write_json
from .rundir.features import ImportedFeatures, save_feature_sidecar
from .rundir.samples import image_items, write_samples

EXTRACT_CHUNK = 64  # images per extractor call: bounds memory at 720×720, keeps batches full


@dataclass(frozen=True)
class EvalConfig:
    model: str = "tiny-flux"
    output: Path = Path("runs/tiny-flux")
    model_args: dict[str, str] = field(default_factory=dict)
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    protocol: str = "divgenbench-v1"
    limit: int | None = None
    prompts_source: str = "bundled"
    extractor_set: str | None = None  # None: the generator's default set
    extractor_overrides: dict[str, str] = field(default_factory=dict)
    style_reference: str | None = None  # None: the reference matching the style extractor's fingerprint
    reference_run: Path | None = None  # a run whose features reference-relative metrics compare against
    scores: tuple[str, ...] | None = None  # None: all registered metrics
    quality: tuple[str, ...] | None = None  # None: quality.default_scorers(extractor set); (): none
    resamples: int = 1000
    bootstrap_seed: int = 0
    shard: Shard | None = None  # this job-array task's share: generation only (see ``evaluate``)
    generate_only: bool = False  # make the images now (no extractor weights needed), score later


class Reporter:
    """Rich progress bars (or silence) for the long steps."""

    def __init__(self, console: Console | None = None, quiet: bool = False):
        self.console = console or Console(stderr=True)
        self.quiet = quiet

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Callable[[int], None]]:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn())
        with Progress(*columns, console=self.console, disable=self.quiet or total == 0) as progress:
            task_id = progress.add_task(escape(description), total=total)
            yield lambda n: progress.advance(task_id, n)

    def note(self, message: str) -> None:
        if not self.quiet:
            self.console.print(message, markup=False, highlight=False)


def extract_features(extractor: Extractor, items: Sequence[ImageItem], advance: Callable[[int], None],
                     cache: FeatureCache | None = None, imported: ImportedFeatures | None = None
                     ) -> list[FeatureRecord]:
    """Records for ``items`` in order, through the content-addressed feature cache.

    Cached images never reach the extractor (which opens its model only on its first ``extract``), each
    distinct (image, query) pair is extracted once even when several items share it (a detector asked about
    two classes of one image extracts twice), and new records are cached chunk by chunk so an interrupted
    extraction resumes where it stopped. ``imported`` (a rescored run's own sidecar features) fills only
    what the cache lacks and is never written to the cache.
    """
    cache = cache if cache is not None else FeatureCache()
    fingerprint = extractor.fingerprint()
    keys = [content_key(item.sha256, extractor.query(item)) for item in items]
    by_key = cache.get_many(fingerprint, set(keys))
    if imported is not None:
        by_key.update(imported.get_many(fingerprint, set(keys) - by_key.keys()))
    advance(sum(key in by_key for key in keys))
    todo = {key: item for key, item in zip(keys, items) if key not in by_key}
    counts = Counter(keys)
    pending = list(todo.items())
    for start in range(0, len(pending), EXTRACT_CHUNK):
        chunk = pending[start:start + EXTRACT_CHUNK]
        fresh = dict(zip((key for key, _ in chunk), extractor.extract([item for _, item in chunk]), strict=True))
        cache.put_many(fingerprint, fresh)
        by_key.update(fresh)
        advance(sum(counts[key] for key in fresh))
    return [by_key[key] for key in keys]


def feature_origin(extractor: Extractor, items: Sequence[ImageItem], imported: ImportedFeatures | None
                   ) -> FeatureOrigin:
    """How many of ``items`` got their features from the run folder's sidecars rather than this machine."""
    served = imported.served(extractor.fingerprint()) if imported is not None else set()
    from_run = sum(content_key(item.sha256, extractor.query(item)) in served for item in items)
    return FeatureOrigin(computed_here=len(items) - from_run, imported=from_run)


def _score_value(outcome: MetricOutcome) -> ScoreValue:
    interval = None
    if outcome.interval is not None:
        i = outcome.interval
        interval = Interval(low=i.low, high=i.high, confidence=i.confidence, resamples=i.resamples, seed=i.seed)
    return ScoreValue(name=outcome.info.name, dimension=outcome.info.dimension, value=outcome.value,
                      interval=interval, n=outcome.n, direction=outcome.info.direction,
                      status=outcome.status, reason=outcome.reason)


def _not_computed(metric: Metric, reason: str) -> ScoreValue:
    info = metric.info()
    return ScoreValue(name=info.name, dimension=info.dimension, direction=info.direction, status="not-computed",
                      reason=reason)


@dataclass
class Scoring:
    """What the scoring steps of one evaluation share — the run folder, the metric context (bootstrap settings,
    references), the progress reporter, the feature cache and the run's own imported features — and what they
    fill in: extractor fingerprints, diagnostics and timings. One object, so a step's signature says what it
    scores, not how the run is plumbed."""

    run: RunDir
    context: MetricContext
    reporter: Reporter
    diagnostics: Diagnostics
    timings: dict[str, float] = field(default_factory=dict)
    extractors: dict[str, ExtractorInfo] = field(default_factory=dict)
    cache: FeatureCache | None = None
    imported: ImportedFeatures | None = None


def compute_metrics(metrics: Sequence[Metric], items: dict[str, list[ImageItem]], extractor_set: str,
                    overrides: dict[str, str], scoring: Scoring) -> dict[str, ScoreValue]:
    """Every metric's value, extracting each feature kind once over the union of its metrics' dimensions.

    Fills ``scoring.extractors`` (feature → fingerprint), ``scoring.diagnostics`` (skipped images; each metric's
    diagnostics: a field of ``Diagnostics`` when it has one, else under ``diagnostics.metrics[key]``) and
    ``scoring.timings``.
    """
    run, context, diagnostics, cache, imported = (scoring.run, scoring.context, scoring.diagnostics, scoring.cache,
                                                  scoring.imported)
    by_feature: dict[str, list[Metric]] = {}
    for metric in metrics:
        by_feature.setdefault(metric.feature, []).append(metric)
    scores: dict[str, ScoreValue] = {}
    for feature, users in by_feature.items():
        name = extractor_for(feature, extractor_set, overrides)
        if name is None:
            for metric in users:
                scores[metric.key] = _not_computed(metric, f"no {feature} extractor in set {extractor_set!r} yet")
            continue
        dimensions = [d for d in DIMENSIONS if any(d in m.dimensions for m in users)]
        feature_items = [item for d in dimensions for item in items[d]]
        extractor = EXTRACTORS.get(name)()
        fingerprint = extractor.fingerprint()
        scoring.extractors[feature] = ExtractorInfo(**fingerprint.to_dict())
        t0 = time.perf_counter()
        with scoring.reporter.task(f"{name} features ({', '.join(dimensions)})", len(feature_items)) as advance:
            records = extract_features(extractor, feature_items, advance, cache, imported)
        scoring.timings[f"extract_{feature}_s"] = time.perf_counter() - t0
        diagnostics.feature_origins[feature] = feature_origin(extractor, feature_items, imported)
        save_feature_sidecar(run, fingerprint, feature_items, records, [extractor.query(i) for i in feature_items])
        diagnostics.skipped_images += [SkippedImage(key=item.key, reason=r.status, message=r.message)
                                       for item, r in zip(feature_items, records) if not r.ok]
        table = FeatureTable(feature_items, records)
        for metric in users:
            if metric.needs_reference_run:
                reference = context.reference_features.get(feature)
                if reference is None:
                    scores[metric.key] = _not_computed(metric, "needs a reference run's features: pass --reference-run")
                    continue
                if reference.fingerprint != fingerprint.to_dict():
                    raise ConfigError(f"the reference run's {feature} features were made by another extractor "
                                      f"({(reference.fingerprint or {}).get('extractor')!r}, this run: {name!r})",
                                      "use a reference run scored with the same extractor set and overrides")
            outcome = metric.compute(table.of_dimensions(metric.dimensions), context)
            scores[metric.key] = _score_value(outcome)
            _record_diagnostics(diagnostics, metric.key, outcome.diagnostics)
    return {metric.key: scores[metric.key] for metric in metrics}


def reference_features(reference_run: Path, metrics: Sequence[Metric]) -> dict[str, FeatureTable]:
    """feature kind → the reference run's features over the dimensions its reference-relative metrics read."""
    from .results.sidecars import open_run

    reference = open_run(reference_run)
    dimensions: dict[str, list[str]] = {}
    for metric in metrics:
        if metric.needs_reference_run:
            dimensions.setdefault(metric.feature, [])
            dimensions[metric.feature] += [d for d in metric.dimensions if d not in dimensions[metric.feature]]
    return {feature: reference.feature_table(feature, dims) for feature, dims in dimensions.items()}


def compute_quality(scorers: Sequence[QualityScorer], items: Sequence[ImageItem], scoring: Scoring
                    ) -> tuple[dict[str, ScoreValue], dict[str, QualityScorerInfo]]:
    """Each scorer's mean over every image, scored with its prompt text; interval: prompts resampled.

    Records go through the feature cache keyed by (image, prompt text) and into one sidecar per scorer.
    """
    run, context, diagnostics, cache, imported = (scoring.run, scoring.context, scoring.diagnostics, scoring.cache,
                                                  scoring.imported)
    values: dict[str, ScoreValue] = {}
    infos: dict[str, QualityScorerInfo] = {}
    for scorer in scorers:
        fingerprint = scorer.fingerprint()
        info = scorer.info
        infos[scorer.name] = QualityScorerInfo(name=info.name, full_name=info.full_name, scale=info.scale,
                                               range=info.range, direction=info.direction,
                                               conventions=dict(info.conventions),
                                               fingerprint=ExtractorInfo(**fingerprint.to_dict()))
        t0 = time.perf_counter()
        with scoring.reporter.task(f"{scorer.name} quality", len(items)) as advance:
            records = extract_features(scorer, items, advance, cache, imported)
        scoring.timings[f"quality_{scorer.name}_s"] = time.perf_counter() - t0
        diagnostics.feature_origins[quality_sidecar(scorer.name)] = feature_origin(scorer, items, imported)
        save_feature_sidecar(run, fingerprint, items, records, [scorer.query(i) for i in items],
                             sidecar=quality_sidecar(scorer.name))
        diagnostics.skipped_images += [SkippedImage(key=item.key, reason=r.status, message=f"{scorer.name}: {r.message}")
                                       for item, r in zip(items, records) if not r.ok]
        try:
            statistic, per_image = quality_statistic(FeatureTable(list(items), records))
        except ValueError:
            values[scorer.name] = ScoreValue(name=info.name, direction=info.direction, status="undefined",
                                             reason=f"no image could be scored by {scorer.name}")
            continue
        low, high = info.range
        outside = per_image[~((per_image >= low) & (per_image <= high))]
        if outside.size:
            raise DataError(f"{scorer.name} gave {outside.size} scores outside its range [{low}, {high}] "
                            f"(e.g. {outside[0]})",
                            "the scorer's weights or preprocessing are wrong; check `divgenbench models check`")
        result = bootstrap_interval(statistic, resamples=context.resamples, seed=context.seed)
        values[scorer.name] = ScoreValue(
            name=info.name, value=result.value, n=result.n, direction=info.direction,
            interval=Interval(low=result.low, high=result.high, confidence=result.confidence,
                              resamples=result.resamples, seed=result.seed))
    return values, infos


#: Diagnostics fields that are bookkeeping of the pipeline, never a metric's diagnostic
_PIPELINE_DIAGNOSTICS = frozenset({"images", "skipped_images", "notes", "metrics"})


def _record_diagnostics(diagnostics: Diagnostics, key: str, values: dict) -> None:
    for name, value in values.items():
        if name in Diagnostics.model_fields and name not in _PIPELINE_DIAGNOSTICS:
            setattr(diagnostics, name, value)
        else:
            diagnostics.metrics.setdefault(key, {})[name] = value


@dataclass(frozen=True)
class Processes:
    """This process's place among those a launcher started (``accelerate launch``, ``torchrun``)."""

    rank: int = 0
    size: int = 1
    barrier: Callable[[], None] = lambda: None

    @property
    def share(self) -> Shard:
        return Shard(self.rank, self.size)


def launcher_processes() -> Processes:
    """Rank, count and barrier when a launcher set WORLD_SIZE > 1; a single process otherwise.

    [choice] accelerate's ``PartialState`` reads every launcher's environment and sets up the process
    group (gloo on CPU, nccl on GPU) whose barrier ends generation; accelerate is imported only then.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return Processes()
    import torch
    from accelerate import PartialState

    state = PartialState(cpu=not torch.cuda.is_available())  # CPU-only hosts need cpu=True for gloo
    if state.num_processes != world_size:
        raise ConfigError(f"WORLD_SIZE={world_size} but accelerate set up {state.num_processes} processes",
                          "launch with `accelerate launch --multi_gpu` or `torchrun --nproc_per_node N`")
    return Processes(state.process_index, state.num_processes, state.wait_for_everyone)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C, with how far the run got (the CLI prints it and exits 130) and the seconds spent so far."""

    def __init__(self, message: str, timings: dict[str, float]):
        super().__init__(message)
        self.timings = timings


class StageTimer:
    """``with timer("generate_s"):`` adds the block's wall time to ``timings["generate_s"]``, even when the
    block is interrupted (an interrupted run's time still counts in the run's total)."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings

    @contextmanager
    def __call__(self, key: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - t0


def record_timings(run: RunDir, timings: dict[str, float]) -> dict[str, float]:
    """Add ``timings`` to the seconds the run folder has recorded so far and return the sums.

    [choice] A run's timings are its cost: the sum over every invocation that worked on it (a resumed,
    interrupted or rescored run adds up), kept in RUN/timings.json and copied into results.json.
    """
    recorded: dict[str, float] = {}
    if run.timings_path.exists():
        try:
            recorded = {k: float(v) for k, v in json.loads(run.timings_path.read_text()).items()}
        except (json.JSONDecodeError, AttributeError, TypeError, ValueError):
            recorded = {}  # a damaged record loses past time only; the run itself is intact
    for key, seconds in timings.items():
        recorded[key] = recorded.get(key, 0.0) + seconds
    atomic_write_json(run.timings_path, recorded)
    return recorded


@dataclass
class GenerationSummary:
    """What one process's generation step did, and what scoring needs from it."""

    run: RunDir
    bank: PromptBank
    requests: list[ImageRequest]  # the whole plan, all shares
    share: Shard  # what this process made: the job's share, split again among the launcher's ranks
    job_share: Shard = Shard()
    rank: int = 0
    written: int = 0
    #: the generator's describe() plus its notes, from this process or the run's generator.json
    description: dict | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def scores_here(self) -> bool:
        """Only an unsharded job's first process extracts and scores."""
        return self.job_share.count == 1 and self.rank == 0


@dataclass
class Plan:
    """An evaluation with everything resolved and checked, before any image is made or run.json written."""

    config: EvalConfig
    protocol: Protocol
    generator: Generator
    bank: PromptBank
    extractor_set: str
    metrics: list[Metric]
    quality: list[str]
    style_reference: StyleReferenceLoader | None
    identity: dict[str, Any]


def plan(config: EvalConfig, model: Any = None) -> Plan:
    """Resolve and check every setting up front: a user error is a ConfigError here, never an undefined score.

    Checks: protocol; the generator's typed model args and settings (finite numbers, known device and dtype);
    extractor set and overrides; metric and quality names; the style reference name; the reference run; and,
    unless ``config.generate_only``, that every non-tiny extractor's and scorer's weights are on disk (the
    error names the ``divgenbench models download`` line). ``model`` is a live diffusers pipeline or
    ``Generator`` used instead of ``config.model``'s registry entry.
    """
    protocol = get_protocol(config.protocol)
    generator = live_generator(model, config.settings, config.model_args) if model is not None else \
        GENERATORS.get(config.model)(config.settings, config.model_args)
    extractor_set = config.extractor_set or generator.default_extractor_set
    extractor_for("photometric", extractor_set)  # an unknown set fails here
    for feature, name in config.extractor_overrides.items():
        kind = EXTRACTORS.get(name).feature
        if kind != feature:
            raise ConfigError(f"extractor {name!r} extracts {kind!r}, not {feature!r}",
                              f"pass one of: {', '.join(n for n in EXTRACTORS if EXTRACTORS.get(n).feature == feature)}")
    for key in config.scores or ():
        METRICS.target(key)
    keys = [k for k in metric_keys() if k in config.scores] if config.scores else metric_keys()
    metrics = [METRICS.get(k)() for k in keys]
    if config.reference_run is None:  # [choice] results hold only what this run can compute: no rows of dashes
        named = [m.key for m in metrics if m.needs_reference_run and config.scores]
        if named:
            raise ConfigError(f"{', '.join(named)} compare this run with a reference run, and none was given",
                              "pass --reference-run RUN_DIR (typically the base model's run)")
        metrics = [m for m in metrics if not m.needs_reference_run]
    outside = [m.key for m in metrics if not set(m.dimensions) & set(protocol.dimensions)]
    if outside and config.scores:  # [choice] results hold only metrics defined on the protocol's prompts
        raise ConfigError(f"{', '.join(outside)} are not defined on protocol {protocol.name!r} (its prompts are "
                          f"{', '.join(protocol.dimensions)})", "omit --scores, or use a DivGenBench protocol")
    metrics = [m for m in metrics if m.key not in outside]
    quality = list(config.quality) if config.quality is not None else default_scorers(extractor_set)
    used = [EXTRACTORS.get(name) for name in
            dict.fromkeys(extractor_for(m.feature, extractor_set, config.extractor_overrides) for m in metrics)
            if name is not None] + [QUALITY.get(name) for name in quality]
    style_reference = None
    style_extractor = extractor_for("style-embedding", extractor_set, config.extractor_overrides)
    if style_extractor and any(m.feature == "style-embedding" for m in metrics):
        style_reference = StyleReferenceLoader(style_extractor, config.style_reference)
        if config.style_reference:
            read_manifest(config.style_reference)  # an unknown name fails here, with the way to list them
    if config.reference_run is not None and not results_path(config.reference_run).exists():
        raise ConfigError(f"--reference-run {config.reference_run} has no results.json",
                          "pass the output folder of a finished `divgenbench eval` run")
    if not config.generate_only:
        check_weights(used)
    bank = prompts_for(protocol, config.prompts_source)
    return Plan(config, protocol, generator, bank, extractor_set, metrics, quality, style_reference,
                run_identity(config, generator, bank))


def check_weights(plugins: Sequence[type[Extractor]]) -> None:
    """Every weight file the extractors and scorers need is on disk, or one error naming the download."""
    for plugin in plugins:
        for entry in plugin.required_weights():
            try:
                store.resolve(entry)
            except MissingWeightsError as exc:
                raise MissingWeightsError(f"{plugin.name}: {exc}",
                                          f"run `divgenbench models download {plugin.name}` where the hub is "
                                          "reachable, or pass --generate-only to make the images now and score "
                                          "later") from exc


def run_identity(config: EvalConfig, generator: Generator, bank: PromptBank) -> dict[str, Any]:
    """What must not change between a run and its resumption: resolved args and settings (batch size may
    change), the adapter and its weights' identity, protocol, limit and prompt bank."""
    settings = asdict(generator.resolved_settings())
    settings.pop("batch_size")
    described = generator.describe()
    return {"model": generator.name, "adapter": described.get("adapter"), "model_args": generator.resolved_args(),
            "weights": {"hub_id": described.get("hub_id"), "revision": described.get("revision")},
            "settings": settings, "protocol": config.protocol, "limit": config.limit,
            "prompt_bank_sha256": bank.sha256}


def live_generator(model: Any, settings: GenerationSettings, model_args: dict[str, str]) -> Generator:
    """A ``Generator`` as it is, or a live diffusers pipeline wrapped so its current weights make the images."""
    if isinstance(model, Generator):
        return model
    if hasattr(model, "components") and callable(model):
        from .generators.live import LivePipelineGenerator

        return LivePipelineGenerator(settings, model_args, pipe=model)
    raise ConfigError(f"evaluate(model=...) needs a diffusers pipeline or a divgenbench Generator, "
                      f"got {type(model).__name__}", "or name a registered generator in EvalConfig.model")


def generate(config: EvalConfig, reporter: Reporter | None = None, processes: Processes | None = None,
             prepared: Plan | None = None) -> GenerationSummary:
    """Make this process's share of the protocol's missing images in ``config.output``.

    The share is ``config.shard`` (a job-array task) split again among a launcher's ranks; every rank waits
    at the barrier, so when it returns on rank 0 all images of the job exist. The generator loads only when
    images are missing; its resolved settings and notes go to the run's generator.json, which later
    processes (other ranks, resumes, merged runs) read instead of loading the model. Everything is checked
    (``plan``) before run.json is written, and run.json is written only once the model has loaded, so a
    refused command (a bad argument, or weights that are not there) leaves nothing that blocks the corrected one.
    """
    reporter = reporter or Reporter(quiet=True)
    processes = processes or launcher_processes()
    prepared = prepared or plan(config)
    bank, generator = prepared.bank, prepared.generator
    run = RunDir(config.output)
    run.prepare()
    run.check_config(prepared.identity, record=False)  # another run's folder is refused before any loading
    run.remove_stale_temporaries()

    requests = plan_requests(bank, prepared.protocol, config.limit)
    job_share = config.shard or Shard()
    share = processes.share.within(job_share) if processes.size > 1 else job_share
    planned = share.select(requests)
    todo = pending_requests(run, planned)
    summary = GenerationSummary(run, bank, requests, share, job_share, processes.rank)
    if todo:
        if len(todo) < len(planned):
            reporter.note(f"resuming {run.root}: {len(planned) - len(todo)} of {len(planned)} images already done")
        timer = StageTimer(summary.timings)
        with timer("load_model_s"):
            generator.load()
            summary.description = {**generator.describe(), "notes": generator.notes(requests)}
        run.check_config(prepared.identity)  # the model loaded: this run's settings are now the folder's
        atomic_write_json(run.generator_info_path, summary.description)
        label = f"generating with {generator.name}" + (f" (share {share})" if share.count > 1 else "")
        try:
            with timer("generate_s"), reporter.task(label, len(todo)) as advance:
                summary.written = generate_images(generator, todo, run, config.settings.batch_size, advance)
        except KeyboardInterrupt as exc:
            done = len(planned) - len(pending_requests(run, planned))
            raise RunInterrupted(f"interrupted: {done} of {len(planned)} images done; rerun the same command "
                                 "to resume", summary.timings) from exc
    else:
        run.check_config(prepared.identity)
        reporter.note(f"all {len(planned)} images of share {share} already in {run.root}")
    processes.barrier()
    remove_finished_locks(run, share.select(requests))
    if summary.description is None and run.generator_info_path.exists():
        try:
            described = json.loads(run.generator_info_path.read_text(encoding="utf-8"))
            summary.description = described if isinstance(described, dict) else None
        except ValueError:  # not JSON or not UTF-8: the description falls back to the registry's
            pass
    return summary


def evaluate(config: EvalConfig, reporter: Reporter | None = None, *, model: Any = None,
             rescore: bool = False) -> Results | None:
    """Run (or resume) one evaluation and return its typed ``Results`` (``write_results`` saves them).

    ``model``: a live diffusers pipeline or ``Generator`` to evaluate instead of ``config.model`` (a training
    loop's current weights; nothing is saved but images, samples.jsonl and feature sidecars in
    ``config.output``, use one folder per evaluated state). Returns None in a process that only generates:
    ``generate_only``, a ``--shard`` task (merge the shards, then evaluate the merged run) or a launcher rank
    other than 0 (rank 0 scores once all ranks are done). ``rescore`` (``score``): every image is hashed again
    (never the journal's word), and the run's own sidecar features serve this run where the cache has none.
    """
    reporter = reporter or Reporter(quiet=True)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    prepared = plan(config, model)
    generator, protocol = prepared.generator, prepared.protocol
    try:
        summary = generate(config, reporter, prepared=prepared)
    except RunInterrupted as interrupted:
        record_timings(RunDir(config.output), {**interrupted.timings, "total_s": time.perf_counter() - started})
        raise
    if not summary.scores_here or config.generate_only:
        return None
    timings.update(summary.timings)
    run, bank, requests = summary.run, summary.bank, summary.requests
    samples, missing = collect_samples(run, requests, trust_journal=not rescore)
    write_samples(run, samples)
    items = image_items(samples, bank, run)
    cache = FeatureCache()
    imported = ImportedFeatures.from_run(run, [i for d in protocol.dimensions for i in items[d]]) if rescore else None

    style_reference = prepared.style_reference
    context = MetricContext(resamples=config.resamples, seed=config.bootstrap_seed, style_reference=style_reference)
    extractors: dict[str, ExtractorInfo] = {}
    diagnostics = Diagnostics(images={d: len(items[d]) for d in protocol.dimensions})
    diagnostics.skipped_images += [SkippedImage(key=f"{m.request.prompt_id}_{m.request.k}", reason=m.reason,
                                                message=m.message) for m in missing]
    described = dict(summary.description or generator.describe())
    diagnostics.notes += described.pop("notes", [])
    if config.reference_run is not None:
        context.reference_features = reference_features(config.reference_run, prepared.metrics)
    all_items = [item for d in protocol.dimensions for item in items[d]]
    scoring = Scoring(run, context, reporter, diagnostics, timings, extractors, cache, imported)
    try:
        quality, quality_scorers = compute_quality([QUALITY.get(n)() for n in prepared.quality], all_items, scoring)
        scores = compute_metrics(prepared.metrics, items, prepared.extractor_set, config.extractor_overrides, scoring)
    except KeyboardInterrupt as exc:
        record_timings(run, {**timings, "total_s": time.perf_counter() - started})
        raise RunInterrupted(f"interrupted: {len(samples)} of {len(requests)} images done, features part "
                             "extracted (finished ones are cached); rerun the same command to resume",
                             timings) from exc
    if cache.damaged:
        diagnostics.notes.append(f"{len(cache.damaged)} damaged feature-cache shards were deleted and their "
                                 "features recomputed")

    smoke = (generator.smoke or any(e.smoke for e in extractors.values())
             or any(q.fingerprint.smoke for q in quality_scorers.values()))
    model_info = ModelInfo(name=generator.name, adapter=str(described.get("adapter")), args=dict(generator.model_args),
                           hub_id=described.get("hub_id"), revision=described.get("revision"),
                           settings=described.get("settings", asdict(config.settings)), smoke=generator.smoke,
                           extra={k: v for k, v in described.items()
                                  if k not in {"name", "adapter", "args", "hub_id", "revision", "settings", "smoke"}})
    timings["total_s"] = time.perf_counter() - started
    timings = record_timings(run, timings)
    return Results(
        toolkit=toolkit(), smoke=smoke, model=model_info,
        protocol=ProtocolInfo(name=protocol.name, images_per_prompt=dict(protocol.images_per_prompt),
                              prompts_per_dimension=protocol.prompts_per_dimension or len(bank[protocol.dimensions[0]]),
                              limit=config.limit, choices=protocol.generation_choices(),
                              scoring=scoring_choices(context.resamples, context.seed, list(scores))),
        prompt_bank=PromptBankInfo(version=bank.version, sha256=bank.sha256, source=bank.source),
        extractors=extractors, scores=scores, quality=quality, quality_scorers=quality_scorers,
        references={"style-embedding": style_reference.info} if style_reference and style_reference.info else {},
        diagnostics=diagnostics, environment=environment(),
        timings={k: round(v, 3) for k, v in timings.items()},
        sidecars={"samples": run.relative(run.samples_path), "features": run.relative(run.features_dir)},
    )


def evaluate_and_write(config: EvalConfig, reporter: Reporter | None = None, *,
                       rescore: bool = False) -> Results | None:
    """``evaluate`` then ``results.json`` in the run folder (what ``divgenbench eval`` and ``score`` do)."""
    results = evaluate(config, reporter, rescore=rescore)
    if results is not None:
        write_results(results, RunDir(config.output).results_path)
    return results


def score(run_dir: Path, *, extractor_set: str | None = None, extractor_overrides: dict[str, str] | None = None,
          resamples: int | None = None, reference_run: Path | None = None,
          reporter: Reporter | None = None) -> Results:
    """Re-score a finished run from its ``run.json``: no generation, features from the cache.

    The run's own feature sidecars serve this run where the cache has nothing (never entering the cache),
    so rescoring opens no model even on a machine whose cache is empty. Extractors default to those the run's ``results.json`` used;
    bootstrap settings too. Missing images are an error here: ``score`` never generates.
    """
    run = RunDir(run_dir)
    try:
        identity = json.loads(run.config_path.read_text())
        settings = GenerationSettings(**identity["settings"])
        model, protocol_name = identity["model"], identity["protocol"]
    except FileNotFoundError as exc:
        raise DataError(f"{run.root} is not a run directory (no run.json)",
                        "pass the --output folder of a `divgenbench eval` run") from exc
    except (ValueError, KeyError, TypeError) as exc:  # not JSON, not UTF-8, or not shaped as eval writes it
        raise DataError(f"{run.config_path} is corrupt ({exc})", "re-run `divgenbench eval` into a new folder") from exc
    previous = None
    if run.results_path.exists():
        try:
            previous = Results.model_validate_json(run.results_path.read_text())
        except ValueError as exc:
            raise DataError(f"{run.results_path} is not a valid results file ({exc.__class__.__name__})",
                            "delete it and score again (extractors then default to the model's set)") from exc
    intervals = [s.interval for s in previous.scores.values() if s.interval] if previous else []
    overrides = {feature: info.extractor for feature, info in previous.extractors.items()} if previous else {}
    if extractor_set is not None:
        overrides = {}  # a named set replaces the previous choice
    overrides.update(extractor_overrides or {})
    config = EvalConfig(
        model=model, output=run.root, model_args=_given_args(run, previous), settings=settings,
        protocol=protocol_name, limit=identity.get("limit"),
        prompts_source=_prompts_source(previous.prompt_bank.source if previous else "bundled"),
        extractor_set=extractor_set,
        extractor_overrides=overrides,
        quality=tuple(previous.quality_scorers) if previous else None,
        resamples=resamples or (intervals[0].resamples if intervals else EvalConfig.resamples),
        bootstrap_seed=intervals[0].seed if intervals else EvalConfig.bootstrap_seed, reference_run=reference_run)
    chosen = get_protocol(protocol_name)
    pending = pending_requests(run, plan_requests(prompts_for(chosen, config.prompts_source), chosen, config.limit))
    if pending:
        raise DataError(f"{len(pending)} images of {run.root} are missing (e.g. {pending[0].prompt_id}_{pending[0].k})",
                        "run `divgenbench eval` with the run's settings to generate them; `score` never generates")
    return evaluate_and_write(config, reporter, rescore=True)


def _given_args(run: RunDir, previous: Results | None) -> dict[str, str]:
    """The --model-args strings the run was made with (run.json holds their resolved, typed form)."""
    if previous is not None:
        return dict(previous.model.args)
    try:
        args = json.loads(run.generator_info_path.read_text(encoding="utf-8")).get("args", {})
        return {str(k): str(v) for k, v in args.items()}
    except (OSError, ValueError, AttributeError):  # missing, not JSON / UTF-8, or not shaped as written
        return {}


def _prompts_source(recorded: str) -> str:
    """The --prompts-source that reloads a recorded bank ('bundled:v1' → 'bundled'); run.json's bank hash
    still guards against a different bank."""
    return recorded if Path(recorded).is_dir() else "bundled"
