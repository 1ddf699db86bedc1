"""``divgenbench plan``: export the images a protocol asks for, for users who generate with their own code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from ..errors import ConfigError
from ..protocol import DEFAULT_PROTOCOL

console = Console()


def plan_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="Plan file (JSONL), e.g. myimages/plan.jsonl.")],
    protocol: Annotated[str, typer.Option(help="divgenbench-v1 (5,600 images), quick or full-4.")] = DEFAULT_PROTOCOL,
    limit: Annotated[Optional[int], typer.Option(help="Only K evenly spaced prompts per dimension (as eval --limit).")] = None,
    prompts_source: Annotated[str, typer.Option("--prompts-source", help="bundled | hub:<dataset>[@revision] | <folder>.")] = "bundled",
) -> None:
    """Write one row per image to make: prompt_id, dimension, k, seed, prompt text and the file to save it at
    (relative to the plan's folder). Then score the folder with the plan as its manifest.

    Example: divgenbench plan --protocol quick -o myimages/plan.jsonl
    """
    from ..generators.plan import plan_rows, write_plan
    from ..prompts import prompts_for
    from ..protocol import get_protocol

    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be a positive number of prompts per dimension, got {limit}",
                          "pass e.g. --limit 4, or omit it for the whole protocol")
    chosen = get_protocol(protocol)
    rows = plan_rows(prompts_for(chosen, prompts_source), chosen, limit)
    write_plan(rows, output)
    again = (f" --protocol {protocol}" + (f" --limit {limit}" if limit else "")
             + (f" --prompts-source {prompts_source}" if prompts_source != "bundled" else ""))
    console.print(f"{len(rows)} images → {output}\nsave each image at its row's `file` under {output.parent}, "
                  f"seeded with its `seed`, then:\n  divgenbench eval --model folder --model-args "
                  f"path={output.parent},manifest={output.name}{again}", highlight=False, soft_wrap=True)
