"""``divgenbench train d2align``: run the D2-Align recipe (SPEC §5, §8) from a YAML config.

Scale out with ``accelerate launch --config_file examples/accelerate_fsdp.yaml -m divgenbench train d2align
...`` (FSDP full-shard, full fine-tune) or ``accelerate launch --config_file examples/accelerate_ddp.yaml``
(DDP, LoRA); ``torchrun --nproc_per_node N -m divgenbench train d2align ...`` works too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

app = typer.Typer(help="Train models (D2-Align).", no_args_is_help=True)
console = Console()


@app.command("d2align")
def d2align_command(
    config: Annotated[Path, typer.Option("--config", "-c", help="YAML recipe, e.g. examples/d2align_flux.yaml.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Run folder: b_v, weights, log, checkpoints.")],
    stage: Annotated[str, typer.Option("--stage", help="1 (b_v), 2 (generator) or all.")] = "all",
    device: Annotated[Optional[str], typer.Option("--device", help="cpu or cuda (default: the config's, else the accelerator's).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train b_v (stage 1) and then the generator (stage 2); resumes from the newest checkpoint in OUTPUT.

    Example: divgenbench train d2align --config examples/d2align_tiny.yaml --output runs/d2align-tiny
    """
    from ..training.config import load_config
    from ..training.loop import D2AlignTrainer

    recipe = load_config(config, **({"device": device} if device else {}))
    trainer = D2AlignTrainer(recipe, output, progress=not quiet)
    results = trainer.run(stage)
    if trainer.accelerator.is_main_process:
        if not results:
            console.print(f"stage 1 is already complete in {output} (b_v.safetensors): nothing to do")
        for name, result in results.items():
            console.print(f"{name}: {result.steps} steps, {result.seconds_per_step:.3f} s/step, "
                          f"peak memory {result.peak_memory_mb:.0f} MB")
        console.print(f"output: {output}")
