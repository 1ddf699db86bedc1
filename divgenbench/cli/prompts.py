"""``divgenbench prompts``: build, inspect and export the prompt bank."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..prompts.bank import REPO_ROOT, export_datasets, load_prompts, write_bank
from ..prompts.build import build_bank, read_parti
from ..prompts.stats import balance_tables

app = typer.Typer(help="Build, inspect and export the prompt bank (SPEC §2).", no_args_is_help=True)
console = Console()


@app.command()
def build(
    parti: Annotated[Path, typer.Option(help="PartiPrompts.tsv source.")] = REPO_ROOT / "prompts" / "sources" / "PartiPrompts.tsv",
    out: Annotated[Path, typer.Option(help="Output folder for the JSONL files and manifest.")] = REPO_ROOT / "prompts" / "v1",
) -> None:
    """Rebuild prompts/v1 deterministically (seed 20251230); a rebuild is byte-identical."""
    manifest = write_bank(build_bank(read_parti(parti)), out, parti)
    console.print(f"wrote {sum(f['count'] for f in manifest['files'].values())} prompts to {out} "
                  f"(sha256 {manifest['sha256']})", markup=False)


@app.command()
def stats(source: Annotated[str, typer.Option("--prompts-source", help="bundled | hub:<id>[@rev] | <folder>.")] = "bundled") -> None:
    """Print the balance tables: prompts per ID cell, style, class × count and tonal keyword."""
    bank = load_prompts(source)
    console.print(f"prompt bank {bank.version} · {bank.source} · sha256 {bank.sha256}", markup=False)
    for dimension, tables in balance_tables(bank).items():
        for key, counts in tables.items():
            table = Table(title=escape(f"{dimension}: prompts per {key} ({len(counts)} values, "
                                       f"{min(counts.values())}–{max(counts.values())} each)"))
            table.add_column(escape(key))
            table.add_column("prompts", justify="right")
            for value, n in sorted(counts.items()):
                table.add_row(escape(str(value)), str(n))
            console.print(table)


@app.command()
def export(
    out_dir: Annotated[Path, typer.Argument(help="Folder for one DatasetDict per dimension, ready for push_to_hub.")],
    source: Annotated[str, typer.Option("--prompts-source")] = "bundled",
) -> None:
    """Write the bank as Hugging Face datasets (one config per dimension) plus a dataset card."""
    written = export_datasets(load_prompts(source), out_dir)
    console.print(f"wrote {len(written)} configs to {out_dir}", markup=False)
