"""``divgenbench models``: what is registered and whether its weights are present."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from .. import store
from ..extractors import EXTRACTORS
from ..generators import GENERATORS
from ..quality import QUALITY
from .terminal import compact_table

app = typer.Typer(help="List plug-ins, and download or check the pinned weights they use.", no_args_is_help=True)
console = Console()


@app.command("ls")
def list_models(
    targets: Annotated[bool, typer.Option("--targets", help="Also show each plug-in's import target.")] = False,
) -> None:
    """List every registered generator (with the --model-args it takes), extractor and quality scorer,
    built-ins and entry-point plug-ins, and whether their weights are on disk."""
    for kind, registry, detail in (("generators", GENERATORS, "model args"), ("extractors", EXTRACTORS, "feature"),
                                   ("quality scorers", QUALITY, "feature")):
        table = compact_table("name", detail, "weights", *(("target",) if targets else ()), title=kind)
        for name in registry.names():
            target = registry.target(name)
            try:
                plugin = registry.get(name)
                weights = plugin.weights_status()
                about = (", ".join(plugin.Args.model_fields) or "none") if kind == "generators" else plugin.feature
            except ImportError as exc:  # a back-end extra is not installed
                weights, about = f"needs extra ({exc.name})", "?"
            shown = (name, about, weights, *((target if isinstance(target, str) else repr(target),) if targets else ()))
            table.add_row(*(escape(cell) for cell in shown))
        console.print(table)
        console.print()


def plugin_weights() -> dict[str, tuple[str, ...]]:
    """Plug-in name → its weight entries, for every extractor and quality scorer. Loading each plug-in
    class registers its weights in the store, so a fresh process knows all of them (imports stay light:
    the back-ends load only when a model is built)."""
    return {name: tuple(getattr(registry.get(name), "weight_entries", ()))
            for registry in (EXTRACTORS, QUALITY) for name in registry.names()}


def _entries(names: list[str]) -> list[str]:
    """Weight entries for the named entries or plug-ins (every registered weight when none is named)."""
    return store.entries_for(names, plugin_weights())


@app.command("download")
def download_weights(
    names: Annotated[Optional[list[str]], typer.Argument(help="Weight entries, extractor or quality scorer names (default: all).")] = None,
) -> None:
    """Fetch pinned weights from the Hugging Face hub into $DIVGENBENCH_HOME/weights and verify their sha256."""
    for entry in _entries(names or []):
        path = store.download(entry)
        console.print(f"{entry}: {path}", markup=False)


@app.command("check")
def check_weights(
    names: Annotated[Optional[list[str]], typer.Argument(help="Weight entries, extractor or quality scorer names (default: all).")] = None,
) -> None:
    """Verify that each pinned weight file is present and matches its sha256; exit 1 when one is not."""
    console.print(f"weights in {store.home() / 'weights'}", highlight=False, soft_wrap=True)
    failed = False
    for entry in _entries(names or []):
        result = store.check(entry)
        w = result.weight
        failed |= result.status in {"missing", "hash mismatch"}
        mark = "[red]✗[/]" if result.status in {"missing", "hash mismatch"} else "[green]✓[/]"
        console.print(f"{mark} {w.entry}  {result.status}", highlight=False)
        for label, value in (("hub", f"{w.hub_id} @ {w.revision[:12]}"), ("files" if isinstance(w, store.WeightSnapshot) else "file", w.filename),
                             ("pinned", w.sha256 or "(not pinned)"),
                             *((("on disk", result.sha256),) if result.sha256 and result.sha256 != w.sha256 else ()),
                             ("path", str(w.local_path))):
            console.print(f"    {label:<8}{value}", highlight=False, markup=False, soft_wrap=True)
    if failed:
        console.print("some weights are missing or damaged: run `divgenbench models download` where the hub is "
                      "reachable, or copy each file to the path shown")
        raise typer.Exit(1)
