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
from ..results.labels import run_labels
from ..rundir import RunDir
from .terminal import compact_table
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
    reference_run: Annotated[Optional[Path], typer.Option("--reference-run", help="The run A and B were compared with (e.g. the base model's): compares their SCD, Vendi and precision/recall/density/coverage too.")] = None,
) -> None:
    """Paired bootstrap of A − B over shared prompts, per score, with significance.

    Example: divgenbench compare runs/flux-dev runs/flux-d2align
    """
    check_resamples(resamples)
    console.print(comparison_table(compare_runs(a, b, resamples=resamples, seed=seed, reference_run=reference_run)))


def comparison_table(comparison: Comparison) -> Table:
    """One row per score that either run computed; the reasons a score was not compared go under the
    table, grouped, so the columns keep their width at 80 characters."""
    from ..report.templating import number

    a, b = comparison.a, comparison.b
    label_a, label_b = run_labels([a.results, b.results], [str(a.run.root), str(b.run.root)])
    not_compared: dict[str, list[str]] = {}
    caption = (f"{int(comparison.confidence * 100)}% paired percentile bootstrap over n shared prompts, "
               f"{comparison.resamples} resamples, seed {comparison.seed}; sig. ✓ = interval excludes 0")
    table = compact_table("score", "A", "B", "A − B", "interval", "n", "sig.", "better",
                          right=frozenset({"A", "B", "A − B", "interval", "n"}),
                          title=f"A = {label_a}: {a.results_file}\nB = {label_b}: {b.results_file}")
    for row in comparison.rows:
        d = row.difference
        arrow = "↓" if row.direction == "lower" else "↑"
        if d is None:
            not_compared.setdefault(row.reason or "no shared prompts", []).append(row.name)
            if row.value_a is None and row.value_b is None:
                continue  # named under the table; a row of dashes would only push the others apart
            table.add_row(escape(f"{row.name} {arrow}"), number(row.value_a, 4), number(row.value_b, 4), "—", "—", "—", "—",
                          "—")
            continue
        table.add_row(escape(f"{row.name} {arrow}"), number(row.value_a, 4), number(row.value_b, 4), f"{d.difference:+.4f}",
                      f"[{d.low:+.4f},{d.high:+.4f}]", str(d.n), "[green]✓[/]" if d.significant else "no",
                      row.better or "neither")
    table.caption = escape("\n".join([caption, *(f"{', '.join(names)}: {reason}"
                                                  for reason, names in not_compared.items())]))
    return table
