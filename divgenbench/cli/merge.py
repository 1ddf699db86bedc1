"""``divgenbench merge``: join shard run directories into one run that ``eval`` then scores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..rundir.merge import merge_runs

console = Console()
SHOWN = 10


def merge_command(
    runs: Annotated[list[Path], typer.Argument(help="Shard run directories (the --output of each `eval --shard I/N`).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Merged run directory (new, or one to add to).")],
    prompts_source: Annotated[str, typer.Option("--prompts-source", help="The shards' prompt source.")] = "bundled",
) -> None:
    """Merge shard runs into one: checks they share run.json, copies images atomically, reports missing,
    duplicate and extra images. Exit code 1 when images are missing or shards disagree on one.

    Example: divgenbench merge runs/flux/shard-* -o runs/flux/merged
    """
    report = merge_runs(runs, output, prompts_source)
    console.print(f"merged {len(runs)} runs into {report.output}: {report.planned} planned images, "
                  f"{report.copied} copied, {report.already_present} already there", markup=False)
    for label, keys in (("missing", report.missing), ("conflicting duplicates (first kept)", report.conflicts),
                        ("identical duplicates", report.duplicates), ("extra, not in the plan", report.extra)):
        if keys:
            more = f" … and {len(keys) - SHOWN} more" if len(keys) > SHOWN else ""
            console.print(f"{len(keys)} {label}: {', '.join(keys[:SHOWN])}{more}", highlight=False, markup=False)
    for note in report.notes:
        console.print(f"note: {note}", markup=False)
    if report.missing:
        console.print("re-run the shards that made them (same command: they resume), then merge again")
    console.print(f"score it with: divgenbench score {report.output}", highlight=False, soft_wrap=True, markup=False)
    if not report.complete:
        raise typer.Exit(1)
