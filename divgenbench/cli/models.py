"""``divgenbench models``: what is registered and whether its weights are present."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from .. import store
from ..extractors import EXTRACTORS
from ..generators import GENERATORS
from ..quality import QUALITY

app = typer.Typer(help="List plug-ins, and download or check the pinned weights they use.", no_args_is_help=True)
console = Console()


@app.command("ls")
def list_models() -> None:
    """List every registered generator, extractor and quality scorer (built-ins and entry-point plug-ins)."""
    table = Table(title="DivGenBench plug-ins")
    for column in ("kind", "name", "target", "weights"):
        table.add_column(column)
    for kind, registry in (("generator", GENERATORS), ("extractor", EXTRACTORS), ("quality", QUALITY)):
        for name in registry.names():
            target = registry.target(name)
            try:
                weights = registry.get(name).weights_status()
            except ImportError as exc:  # a back-end extra is not installed
                weights = f"needs extra ({exc.name})"
            table.add_row(kind, name, target if isinstance(target, str) else repr(target), weights)
    console.print(table)


def _entries(names: list[str]) -> list[str]:
    """Weight entries for the named entries, extractors or quality scorers (all weights when none is named)."""
    plugins = {name: tuple(getattr(registry.get(name), "weight_entries", ()))
               for name in names if name not in store.WEIGHTS
               for registry in (EXTRACTORS, QUALITY) if name in registry}
    return store.entries_for(names, plugins)


@app.command("download")
def download_weights(
    names: Annotated[Optional[list[str]], typer.Argument(help="Weight entries, extractor or quality scorer names (default: all).")] = None,
) -> None:
    """Fetch pinned weights from the Hugging Face hub into $DIVGENBENCH_HOME/weights and verify their sha256."""
    for entry in _entries(names or []):
        path = store.download(entry)
        console.print(f"{entry}: {path}")


@app.command("check")
def check_weights(
    names: Annotated[Optional[list[str]], typer.Argument(help="Weight entries, extractor or quality scorer names (default: all).")] = None,
) -> None:
    """Verify that each pinned weight file is present and matches its sha256; exit 1 when one is not."""
    table = Table(title=f"weights · {store.home() / 'weights'}")
    for column in ("entry", "hub id", "file", "revision", "pinned sha256", "status", "path"):
        table.add_column(column, overflow="fold")
    failed = False
    for entry in _entries(names or []):
        result = store.check(entry)
        w = result.weight
        failed |= result.status in {"missing", "hash mismatch"}
        table.add_row(w.entry, w.hub_id, w.filename, w.revision[:12], w.sha256 or "(not pinned)",
                      result.status if result.status != "unpinned" else f"present, sha256 {result.sha256}",
                      str(w.local_path))
    console.print(table)
    if failed:
        console.print("some weights are missing or damaged: run `divgenbench models download` where the hub is "
                      "reachable, or copy each file to the path shown")
        raise typer.Exit(1)
