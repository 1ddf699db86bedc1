"""``divgenbench score RUN_DIR``: re-score a finished run without generating or re-extracting."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from ..errors import ConfigError
from ..pipeline import Reporter, score
from ..rundir import RunDir
from .evaluate import check_resamples, extractor_overrides, print_skipped, score_table
from .terminal import interruptible

console = Console()


def score_command(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by `divgenbench eval` (holds run.json).")],
    extractors: Annotated[Optional[str], typer.Option("--extractors", help="Extractor set (default: the extractors the run used).")] = None,
    face_extractor: Annotated[Optional[str], typer.Option("--face-extractor", help="Face embedder for IDS, e.g. arcface or dlib.")] = None,
    resamples: Annotated[Optional[int], typer.Option(help="Bootstrap resamples (default: the run's).")] = None,
    reference_run: Annotated[Optional[Path], typer.Option("--reference-run", help="A finished run to compare with (SCD, Vendi, precision/recall/density/coverage); no model runs.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Leave RUN_DIR/report.html as it is.")] = False,
) -> None:
    """Recompute the scores of RUN_DIR from its images, sidecars and the feature cache; rewrites results.json
    and report.html.

    Example: divgenbench score runs/tiny-flux
    """
    check_resamples(resamples)
    if not run_dir.is_dir():
        raise ConfigError(f"{run_dir} is not a folder", "pass the --output folder of a `divgenbench eval` run")
    run = RunDir(run_dir)
    if not no_report:  # refused before anything is rescored, so a refusal leaves the run as it was
        from ..report.html import check_report_target

        check_report_target(run.report_path)
    with interruptible():
        results = score(run_dir, extractor_set=extractors, extractor_overrides=extractor_overrides(face_extractor),
                        resamples=resamples, reference_run=reference_run, reporter=Reporter(quiet=quiet))
    console.print(score_table(results))
    print_skipped(results)
    console.print(f"results: {run.results_path}", markup=False, highlight=False)
    if not no_report:  # a report left from before the rescore would show the old numbers
        from ..report import write_report

        console.print(f"report: {write_report([run.results_path], run.report_path)}", markup=False, highlight=False)
