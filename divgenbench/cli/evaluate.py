"""``divgenbench eval``: generate, extract, score and write results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import ConfigError
from ..extractors import EXTRACTORS
from ..generators import GenerationSettings, parse_model_args
from ..generators.runner import Shard
from ..pipeline import EvalConfig, Reporter, evaluate_and_write
from ..protocol import DEFAULT_PROTOCOL
from ..results.models import Results
from ..rundir import RunDir
from .terminal import compact_table, interruptible, skipped_summary

console = Console()


def eval_command(
    model: Annotated[str, typer.Option(help="Registered generator (see `divgenbench models ls`), e.g. tiny-flux, flux-dev, flux-d2align.")] = "tiny-flux",
    model_args: Annotated[Optional[str], typer.Option("--model-args", help="Adapter arguments key=value,key=value (e.g. checkpoint=PATH).")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Run directory (default runs/<model>); an existing run resumes.")] = None,
    protocol: Annotated[str, typer.Option(help="divgenbench-v1 (5,600 images), quick (100 prompts/dimension), full-4, or hpdv2 (HPDv2 benchmark prompts, quality only).")] = DEFAULT_PROTOCOL,
    limit: Annotated[Optional[int], typer.Option(help="Only K evenly spaced prompts per dimension (a smoke check, never ranked).")] = None,
    prompts_source: Annotated[str, typer.Option("--prompts-source", help="bundled | hub:<dataset>[@revision] | <folder>.")] = "bundled",
    batch_size: Annotated[int, typer.Option(help="Images per generator call; images are identical at any batch size.")] = 1,
    dtype: Annotated[Optional[str], typer.Option(help="Generator dtype, e.g. bfloat16 (adapter default when omitted).")] = None,
    num_inference_steps: Annotated[Optional[int], typer.Option(help="Sampling steps (FLUX.1-dev default 50).")] = None,
    guidance_scale: Annotated[Optional[float], typer.Option(help="Guidance scale (FLUX.1-dev default 3.5).")] = None,
    resolution: Annotated[Optional[int], typer.Option(help="Square image size (FLUX.1-dev default 720).")] = None,
    device: Annotated[Optional[str], typer.Option(help="torch device for the generator (default: cuda when available).")] = None,
    extractors: Annotated[Optional[str], typer.Option("--extractors", help="Extractor set: default (paper) or tiny (random weights, smoke).")] = None,
    face_extractor: Annotated[Optional[str], typer.Option("--face-extractor", help="Face embedder for IDS: arcface (paper), dlib (offline CPU; never ranked against arcface).")] = None,
    detector: Annotated[Optional[str], typer.Option(help="Layout detector instead of the set's: grounding-dino (paper), yolo, or their tiny-* versions.")] = None,
    reference: Annotated[Optional[str], typer.Option(help="Style reference for ASC (see `divgenbench reference info`); default: the one matching the style extractor.")] = None,
    reference_run: Annotated[Optional[Path], typer.Option("--reference-run", help="A finished run (typically the base model's) to compare with: adds SCD, Vendi and precision/recall/density/coverage per dimension, from both runs' cached features.")] = None,
    quality: Annotated[Optional[str], typer.Option(help="Comma-separated quality scorers (default: all registered for the extractor set; 'none' for none).")] = None,
    generate_only: Annotated[bool, typer.Option("--generate-only", help="Only make the images (no extractor weights needed); score later with `divgenbench score`.")] = False,
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples for the 95% intervals.")] = 1000,
    shard: Annotated[Optional[str], typer.Option(help="Generate only share I of N (0-based, e.g. $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT); then `divgenbench merge` and eval the merged run.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip writing RUN/report.html.")] = False,
) -> None:
    """Generate the protocol's images, extract features, score IDS/ASC/SDI/PVS and write results.json.

    Example: divgenbench eval --model tiny-flux --limit 4
    """
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be a positive number of prompts per dimension, got {limit}",
                          "pass e.g. --limit 4, or omit it for the whole protocol")
    check_resamples(resamples)
    config = EvalConfig(
        model=model, output=output or Path("runs") / model, model_args=parse_model_args(model_args),
        settings=GenerationSettings(batch_size=batch_size, dtype=dtype, num_inference_steps=num_inference_steps,
                                    guidance_scale=guidance_scale, resolution=resolution, device=device),
        protocol=protocol, limit=limit, prompts_source=prompts_source, extractor_set=extractors,
        extractor_overrides=extractor_overrides(face_extractor, detector),
        style_reference=reference, reference_run=reference_run, quality=quality_names(quality),
        resamples=resamples, shard=Shard.parse(shard) if shard else None, generate_only=generate_only)
    if not no_report:  # checked before the first image: a foreign RUN/report.html is never overwritten
        from ..report.html import check_report_target

        check_report_target(RunDir(config.output).report_path)
    with interruptible():
        results = evaluate_and_write(config, Reporter(quiet=quiet))
    if results is None and generate_only:
        console.print(f"images are in {config.output}; score them with `divgenbench score {config.output}`")
        return
    if results is None:
        what = f"shard {shard}" if shard else "this rank"
        console.print(f"{what}: images are in {config.output}; "
                      + ("merge the shards with `divgenbench merge`, then run eval on the merged run"
                         if shard else "rank 0 writes the results"), markup=False)
        return
    console.print(score_table(results))
    print_skipped(results)
    run = RunDir(config.output)
    console.print(f"results: {run.results_path}", markup=False, highlight=False)
    if not no_report:
        from ..report import write_report

        console.print(f"report: {write_report([run.results_path], run.report_path)}", markup=False, highlight=False)


def check_resamples(resamples: int | None) -> None:
    """``--resamples`` of eval, score and compare: at least 1 (checked before anything is read or written)."""
    if resamples is not None and resamples < 1:
        raise ConfigError(f"--resamples must be at least 1, got {resamples}", "pass e.g. --resamples 1000")


def quality_names(text: str | None) -> tuple[str, ...] | None:
    """``--quality a,b`` → ("a", "b"); ``none`` → (); omitted → None (the extractor set's default scorers)."""
    if text is None:
        return None
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    return () if names == ("none",) else names


def extractor_overrides(face_extractor: str | None = None, detector: str | None = None) -> dict[str, str]:
    """``--face-extractor`` / ``--detector`` as feature → extractor overrides, refusing a wrong feature kind."""
    overrides = {}
    for option, name, feature in (("--face-extractor", face_extractor, "face-embedding"),
                                  ("--detector", detector, "boxes")):
        if not name:
            continue
        kind = EXTRACTORS.get(name).feature
        if kind != feature:
            choices = ", ".join(n for n in EXTRACTORS.names() if EXTRACTORS.get(n).feature == feature)
            raise ConfigError(f"{option} {name!r} extracts {kind!r}, not {feature!r}", f"pass one of: {choices}")
        overrides[feature] = name
    return overrides


def score_table(results: Results) -> Table:
    title = f"DivGenBench · {results.model.name} · {results.protocol.name}"
    if results.protocol.limit:
        title += f" (limit {results.protocol.limit})"
    if results.smoke:
        title += " · SMOKE (tiny models, not comparable)"
    table = compact_table("score", "value", "95% CI", "n", "better", "status", title=title,
                          right=frozenset({"value", "95% CI", "n"}))
    rows = [(score.name, score) for score in results.scores.values()]
    quality = [(key, score) for key, score in results.quality.items()]  # by key: it names scorer and scale
    for index, (label, score) in enumerate(rows + quality):
        if index == len(rows) and rows:
            table.add_section()  # diversity above, quality below
        value = f"{score.value:.3f}" if score.value is not None else "—"
        ci = f"[{score.interval.low:.3f}, {score.interval.high:.3f}]" if score.interval else "—"
        status = score.status if score.status == "computed" else f"{score.status}: {score.reason}"
        table.add_row(escape(label), value, ci, str(score.n), "↓ lower" if score.direction == "lower" else "↑ higher",
                      escape(status))
    return table


def print_skipped(results: Results) -> None:
    summary = skipped_summary(results)
    if summary:
        console.print(summary, highlight=False, markup=False, soft_wrap=True)
