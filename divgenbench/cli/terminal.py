"""What the terminal shows besides progress: compact tables that stay readable at 80 columns and in a pipe,
and the one-line summaries printed after them.

[choice] Tables use ``box.SIMPLE_HEAD`` without outer edges: two characters between columns instead of
three plus borders, so an eight-column comparison fits 80 columns; piped output (rich assumes 80 columns
when stdout is not a terminal) keeps the same shape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..results.models import Results

INTERRUPTED_EXIT_CODE = 130  # 128 + SIGINT, as shells report a Ctrl-C


@contextmanager
def interruptible() -> Iterator[None]:
    """Ctrl-C inside a long command prints how far the run got, then exits 130.

    Typer turns a KeyboardInterrupt into a silent exit 130 before ``cli.main`` could see it, so commands
    that run the pipeline say it themselves; the pipeline's ``RunInterrupted`` carries the counts.
    """
    try:
        yield
    except KeyboardInterrupt as exc:
        Console(stderr=True).print(str(exc) or "interrupted: finished images are kept; rerun the same command "
                                   "to resume", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(INTERRUPTED_EXIT_CODE) from exc


def compact_table(*columns: str, title: str | None = None, caption: str | None = None,
                  right: frozenset[str] = frozenset()) -> Table:
    """A table with ``columns`` (those in ``right`` right-aligned) in the 80-column house style; the title
    and caption are text (they name models and files from other people's results), never markup."""
    table = Table(title=escape(title) if title else None, caption=escape(caption) if caption else None, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  title_justify="left", caption_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left", overflow="fold")
    return table


def skipped_summary(results: Results) -> str | None:
    """"skipped 3 images: 2 missing, 1 no-face …" (None when every image was scored); an image skipped
    for one reason by two extractors counts once."""
    reasons = {(s.key, s.reason) for s in results.diagnostics.skipped_images}
    if not reasons:
        return None
    by_reason = Counter(reason for _, reason in reasons)
    listed = ", ".join(f"{count} {reason}" for reason, count in sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0])))
    images = len({key for key, _ in reasons})
    return (f"skipped {images} image{'s' * (images != 1)}: {listed} — each is listed with its reason in "
            "results.json (diagnostics.skipped_images) and the report")
