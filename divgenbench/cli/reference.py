"""``divgenbench reference``: build, fetch and inspect the WikiArt style reference for ASC."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .. import reference as ref
from ..errors import ConfigError
from ..pipeline import Reporter

app = typer.Typer(help="Build, fetch and inspect the style reference (WikiArt X_train / X_test) that ASC needs.",
                  no_args_is_help=True)
console = Console()


def default_name(source: str, extractor: str) -> str:
    """``wikiart-csd`` for huggan/wikiart, else the folder's name, kebab-cased, plus the extractor."""
    base = "wikiart" if source == ref.WIKIART_HUB else Path(source).expanduser().name or "reference"
    return "-".join(filter(None, re.split(r"[^a-z0-9]+", f"{base}-{extractor}".lower())))


@app.command("build")
def build_command(
    source: Annotated[str, typer.Option(help=f"{ref.WIKIART_HUB} (via `datasets`) or a folder with one sub-folder of images per style.")] = ref.WIKIART_HUB,
    from_hub: Annotated[Optional[str], typer.Option("--from-hub", help="Fetch a prebuilt reference (hub dataset repo) instead of building one.")] = None,
    name: Annotated[Optional[str], typer.Option(help="Reference name (default: wikiart-<extractor>, or <folder>-<extractor>).")] = None,
    extractor: Annotated[str, typer.Option(help="Style extractor: csd (paper) or tiny-csd (smoke).")] = "csd",
    test_size: Annotated[int, typer.Option(help="Images in X_test, stratified over the styles (SPEC: 800).")] = ref.TEST_SIZE,
    seed: Annotated[int, typer.Option(help="Seed of the stratified split.")] = ref.SPLIT_SEED,
    revision: Annotated[str, typer.Option(help="Hub revision of the dataset or prebuilt reference.")] = "main",
    batch_size: Annotated[int, typer.Option(help="Images per extractor batch.")] = 64,
    device: Annotated[Optional[str], typer.Option(help="torch device (default: cuda when available).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Rebuild even if a reference of that name exists.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Split the source into X_train / X_test, embed every image, store features + manifest (resumable).

    Example: divgenbench reference build --source huggan/wikiart
    """
    if from_hub:
        built = ref.pull_reference(from_hub, name=name, revision=revision)
    else:
        from ..extractors import EXTRACTORS

        if batch_size < 1:
            raise ConfigError(f"--batch-size must be at least 1, got {batch_size}", "pass e.g. --batch-size 64")
        embedder_cls = EXTRACTORS.get(extractor)
        if getattr(embedder_cls, "feature", None) != "style-embedding":
            raise ConfigError(f"extractor {extractor!r} does not make style embeddings", "pass --extractor csd")
        embedder = embedder_cls(device=device, batch_size=batch_size)
        source_obj = ref.source_from(source, revision=revision)
        total = len(source_obj.catalogue())
        with Reporter(quiet=quiet).task(f"embedding {source} with {extractor}", total) as advance:
            built = ref.build_reference(source_obj, embedder, name or default_name(source, extractor),
                                        test_size=test_size, seed=seed, overwrite=overwrite, advance=advance)
    info = built.info()
    console.print(f"style reference {info['name']}: {info['train']} train / {info['test']} test images, "
                  f"features sha256 {info['features_sha256']}", markup=False)
    console.print(f"stored in {ref.references_root() / built.name}", markup=False)


@app.command("info")
def info_command(name: Annotated[Optional[str], typer.Argument(help="A reference's name; all when omitted.")] = None) -> None:
    """List the built references, or show one reference's manifest."""
    if name:
        manifest = ref.read_manifest(name)
        for key in ("name", "source", "split", "n_images", "n_train", "n_test", "test_per_style", "fingerprint",
                    "fingerprint_digest", "features_sha256", "smoke"):
            console.print(f"[bold]{key}[/]: {escape(str(manifest.get(key)))}", highlight=False)
        if manifest.get("unreadable"):
            console.print(f"[bold]unreadable[/]: {len(manifest['unreadable'])} images")
        return
    table = Table(title=escape(f"style references in {ref.references_root()}"))
    for column in ("name", "source", "extractor", "train", "test", "features sha256"):
        table.add_column(column)
    for manifest in ref.list_references():
        source = manifest["source"]
        cells = (manifest["name"], source.get("dataset") or source.get("path") or source.get("kind", ""),
                 manifest["fingerprint"]["extractor"], manifest["n_train"], manifest["n_test"],
                 manifest["features_sha256"][:16])
        table.add_row(*(escape(str(cell)) for cell in cells))
    console.print(table)
