"""``divgenbench models``: what is registered and whether its weights are present."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from ..extractors import EXTRACTORS
from ..generators import GENERATORS

app = typer.Typer(help="List generators and extractors and the state of their weights.", no_args_is_help=True)
console = Console()


@app.command("ls")
def list_models() -> None:
    """List every registered generator and extractor (built-ins and entry-point plug-ins)."""
    table = Table(title="DivGenBench plug-ins")
    for column in ("kind", "name", "target", "weights"):
        table.add_column(column)
    for kind, registry in (("generator", GENERATORS), ("extractor", EXTRACTORS)):
        for name in registry.names():
            target = registry.target(name)
            try:
                weights = registry.get(name).weights_status()
            except ImportError as exc:  # a back-end extra is not installed
                weights = f"needs extra ({exc.name})"
            table.add_row(kind, name, target if isinstance(target, str) else repr(target), weights)
    console.print(table)
