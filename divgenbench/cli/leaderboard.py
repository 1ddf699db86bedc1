"""``divgenbench leaderboard validate | build``: check submissions, render the page and the README table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .results import print_checks

console = Console()
app = typer.Typer(help="Check leaderboard entries and build the leaderboard page.", no_args_is_help=True)


@app.command("validate")
def validate_command(
    files: Annotated[list[Path], typer.Argument(help="Entry files (leaderboard/entries/*.json).")],
) -> None:
    """Check entries (schema, protocol divgenbench-v1 without --limit, prompt bank, extractor fingerprints,
    metadata, size, no smoke) and list every problem at once.

    Example: divgenbench leaderboard validate leaderboard/entries/my-model.json
    """
    from ..leaderboard.entries import check_entries

    print_checks({path: problems for path, (_, problems) in check_entries(files).items()})


@app.command("build")
def build_command(
    folder: Annotated[Path, typer.Option("--dir", help="Leaderboard folder holding entries/.")] = Path("leaderboard"),
) -> None:
    """Render FOLDER/index.html and the table in FOLDER/README.md from FOLDER/entries/*.json.

    Example: divgenbench leaderboard build
    """
    from ..leaderboard.build import build_leaderboard

    index, readme, count = build_leaderboard(folder)
    console.print(f"{count} entries → {index}, {readme}", markup=False)
