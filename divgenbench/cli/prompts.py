"""``divgenbench prompts``: build, inspect and export the prompt bank."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..prompts.bank import REPO_ROOT, export_datasets, load_prompts, write_bank
from ..prompts.build import build_bank, read_parti
from ..prompts.stats import PAIRING_KEYS, balance_tables, pairing_tables, sample_prompts

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
    """Print the balance tables (prompts per ID cell, style, class × count, tonal keyword) and the pairing
    tables (prompts per template for each style, layout setting and tonal keyword)."""
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
    for dimension, rows in pairing_tables(bank).items():
        templates = sorted({t for counts in rows.values() for t in counts})
        table = Table(title=f"{dimension}: prompts per template (columns: template index, see the bank's "
                            f"`template` field; blank = pair not used)")
        table.add_column(PAIRING_KEYS[dimension])
        for t in templates:
            table.add_column(str(t), justify="right")
        for value, counts in rows.items():
            table.add_row(Text(value), *(str(counts[t]) if counts[t] else "" for t in templates))
        console.print(table)


@app.command()
def sample(
    n: Annotated[int, typer.Option("--n", help="How many prompts, spread evenly over the four dimensions.")] = 40,
    seed: Annotated[int, typer.Option(help="Seed of the draw: the same seed prints the same prompts.")] = 0,
    source: Annotated[str, typer.Option("--prompts-source", help="bundled | hub:<id>[@rev] | <folder>.")] = "bundled",
) -> None:
    """Print random prompts, the same number per dimension, to read the bank as a model will.

    Example: divgenbench prompts sample --n 40 --seed 1
    """
    bank = load_prompts(source)
    console.print(f"prompt bank {bank.version} · sha256 {bank.sha256[:12]}… · {n} prompts, seed {seed}")
    for dimension, prompts in sample_prompts(bank, n, seed).items():
        console.rule(dimension)
        for p in prompts:
            console.print(Text.assemble((f"{p.id}  ", "dim"), p.text), soft_wrap=True)


@app.command()
def export(
    out_dir: Annotated[Path, typer.Argument(help="Folder for one DatasetDict per dimension, ready for push_to_hub.")],
    source: Annotated[str, typer.Option("--prompts-source")] = "bundled",
) -> None:
    """Write the bank as Hugging Face datasets (one config per dimension) plus a dataset card."""
    written = export_datasets(load_prompts(source), out_dir)
    console.print(f"wrote {len(written)} configs to {out_dir}", markup=False)
