"""``divgenbench validate | report | compare``: read results files, check them, draw them, compare two."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..compare import Comparison, compare_runs
from ..metrics.bootstrap import RESAMPLES, SEED
from ..results.io import Problem, check_results_file, results_path
from ..rundir import RunDir
from .evaluate import check_resamples

console = Console()
ResultsArgs = Annotated[list[Path], typer.Argument(help="Run directories or results.json files.")]


def validate_command(results: ResultsArgs) -> None:
    """Check results files against schema v1 and list every problem (field path: message).

    Example: divgenbench validate runs/flux-dev
    """
    print_checks({results_path(path): check_results_file(path)[1] for path in results})


def print_checks(problems_by_file: Mapping[Path, Sequence[Problem]]) -> None:
    """✓ or ✗ per file with every problem below it; exit code 1 when any file has one."""
    for path, problems in problems_by_file.items():
        if not problems:
            console.print(f"[green]✓[/] {escape(str(path))}", highlight=False, soft_wrap=True)
            continue
        console.print(f"[red]✗[/] {escape(str(path))}: {len(problems)} problem{'s' * (len(problems) > 1)}", highlight=False,
                      soft_wrap=True)
        for problem in problems:
            console.print(f"    {problem}", highlight=False, markup=False, soft_wrap=True)
    if any(problems_by_file.values()):
        raise typer.Exit(1)


def report_command(
    results: ResultsArgs,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="HTML file (default: RUN/report.html for one run, else report.html).")] = None,
) -> None:
    """Render one self-contained HTML report (charts, image grids, diagnostics) for one or more results.

    Example: divgenbench report runs/flux-dev runs/flux-d2align -o compare.html
    """
    from ..report import write_report

    if output is None:
        output = RunDir(results_path(results[0]).parent).report_path if len(results) == 1 else Path("report.html")
    write_report(results, output)
    console.print(f"report: {output}", markup=False, highlight=False)


def compare_command(
    a: Annotated[Path, typer.Argument(help="Run A (directory or results.json).")],
    b: Annotated[Path, typer.Argument(help="Run B (directory or results.json).")],
    resamples: Annotated[int, typer.Option(help="Paired bootstrap resamples.")] = RESAMPLES,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = SEED,
) -> None:
    """Paired bootstrap of A − B over shared prompts, per score, with significance.

    Example: divgenbench compare runs/flux-dev runs/flux-d2align
    """
    check_resamples(resamples)
    console.print(comparison_table(compare_runs(a, b, resamples=resamples, seed=seed)))


def comparison_table(comparison: Comparison) -> Table:
    from ..report.templating import number

    a, b = comparison.a, comparison.b
    table = Table(title=escape(f"A = {a.label} ({a.results_file})\nB = {b.label} ({b.results_file})"),
                  caption=f"{int(comparison.confidence * 100)}% paired percentile bootstrap over shared prompts, "
                          f"{comparison.resamples} resamples, seed {comparison.seed}; ✓ = interval excludes 0")
    for column in ("score", "A", "B", "A − B", "interval", "n shared", "significant", "better"):
        table.add_column(column, justify="right" if column in {"A", "B", "A − B", "interval", "n shared"} else "left")
    for row in comparison.rows:
        d = row.difference
        arrow = "↓" if row.direction == "lower" else "↑"
        if d is None:
            table.add_row(escape(f"{row.name} {arrow}"), number(row.value_a, 4), number(row.value_b, 4), "—", "—", "—",
                          "—", escape(row.reason or ""))
            continue
        table.add_row(escape(f"{row.name} {arrow}"), number(row.value_a, 4), number(row.value_b, 4),
                      f"{d.difference:+.4f}",
                      f"[{d.low:+.4f}, {d.high:+.4f}]", str(d.n), "[green]✓[/]" if d.significant else "no",
                      row.better or "neither")
    return table
