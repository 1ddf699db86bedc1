"""``divgenbench cache``: what the feature cache holds, and emptying it."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..extractors.cache import FeatureCache

app = typer.Typer(help="Inspect or clear the content-addressed feature cache ($DIVGENBENCH_HOME/features).",
                  no_args_is_help=True)
console = Console()


@app.command("info")
def info() -> None:
    """One row per extractor configuration (fingerprint digest): records, shards, size."""
    cache = FeatureCache()
    entries = cache.entries()
    table = Table(title=escape(f"feature cache · {cache.root}"))
    for column in ("digest", "extractor", "feature", "smoke", "records", "shards", "MiB"):
        table.add_column(column, justify="right" if column in {"records", "shards", "MiB"} else "left")
    for e in entries:
        table.add_row(escape(e.digest), escape(str(e.fingerprint.get("extractor", "?"))),
                      escape(str(e.fingerprint.get("feature", "?"))),
                      "yes" if e.fingerprint.get("smoke") else "no", str(e.records), str(e.shards),
                      f"{e.bytes / 2**20:.2f}")
    console.print(table)
    console.print(f"{sum(e.records for e in entries)} records, {sum(e.bytes for e in entries) / 2**20:.2f} MiB")


@app.command("clear")
def clear(
    extractor: Annotated[Optional[str], typer.Option(help="Only this extractor's features (e.g. arcface).")] = None,
) -> None:
    """Delete cached features (all, or one extractor's); runs keep their own sidecars."""
    removed = FeatureCache().clear(extractor)
    console.print(f"removed {sum(e.records for e in removed)} records in {len(removed)} cache entries "
                  f"({sum(e.bytes for e in removed) / 2**20:.2f} MiB)")
