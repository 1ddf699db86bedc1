"""``divgenbench leaderboard validate | build``: check submissions, render the page and the README table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

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


@app.command("submit")
def submit_command(
    results: Annotated[Path, typer.Argument(help="Run directory or results.json of a full divgenbench-v1 run.")],
    model_id: Annotated[str, typer.Option("--model-id", help="Hub id or URL of the evaluated weights.")],
    revision: Annotated[str, typer.Option(help="Commit or tag of those weights.")],
    license: Annotated[str, typer.Option("--license", help="The weights' license, e.g. apache-2.0.")],
    contact: Annotated[str, typer.Option(help="E-mail, GitHub handle or URL of whoever answers questions.")],
    name: Annotated[Optional[str], typer.Option(help="Display name (default: the last part of --model-id).")] = None,
    method: Annotated[Optional[str], typer.Option(help="Training method, e.g. D2-Align.")] = None,
    reward: Annotated[Optional[str], typer.Option(help="Reward model(s) used in training, e.g. HPS-v2.1.")] = None,
    url: Annotated[Optional[str], typer.Option(help="Paper or model card (https://).")] = None,
    base_model: Annotated[Optional[str], typer.Option("--base-model", help="The model it was trained from.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Entry file (default: leaderboard/entries/<name>.json).")] = None,
) -> None:
    """Wrap a results file in a leaderboard entry and check it as `leaderboard validate` does; the entry is
    written only when it passes. Then open a pull request adding the file.

    Example: divgenbench leaderboard submit runs/my-model --model-id me/my-model --revision abc123 --license mit --contact me@example.org
    """
    from ..leaderboard.submit import build_entry, entry_file_stem
    from ..rundir import atomic_write_bytes

    display = name or model_id.rstrip("/").rsplit("/", 1)[-1]
    output = output or Path("leaderboard") / "entries" / f"{entry_file_stem(display)}.json"
    submission = {"name": display, "model_id": model_id, "revision": revision, "license": license,
                  "contact": contact, "method": method, "reward": reward, "url": url, "base_model": base_model}
    data, problems = build_entry(results, submission, output.stem)
    if problems:
        print_checks({output: problems})
    atomic_write_bytes(output, data)
    console.print(f"[green]✓[/] {output}: add it to leaderboard/entries/ in a pull request", highlight=False,
                  soft_wrap=True)


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
