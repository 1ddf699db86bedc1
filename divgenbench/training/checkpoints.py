"""Training checkpoints and exact resume: trainable weights, optimizer, RNG states and the data position.

A checkpoint is ``OUT/checkpoints/stage{S}-step{N:06d}/``: ``accelerator.save_state`` (weights — gathered or
sharded as the FSDP config says —, optimizer, every RNG) plus ``trainer_state.json`` with the stage, the next
step to run and a digest of the recipe. The data position *is* the step: every sample is drawn from a generator
seeded by its global index (stages.py), so nothing else is needed to continue bit-exactly.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .config import TrainConfig

CHECKPOINTS = "checkpoints"
STATE_FILE = "trainer_state.json"
_NAME = re.compile(r"^stage(\d)-step(\d{6})$")

#: Options that may change between a run and its resumption: how long, how often to save/log/monitor.
RESUMABLE_CHANGES = {"checkpoint_every", "log_every", "monitor", "device"}


def recipe_digest(config: TrainConfig) -> str:
    """sha256 of everything that changes what a step computes (stage lengths excluded: a run may be extended)."""
    data = config.model_dump(mode="json", exclude=RESUMABLE_CHANGES)
    for stage in ("stage1", "stage2"):
        data[stage].pop("steps")
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    stage: int
    step: int  # the next step to run


def checkpoint_path(output: Path, stage: int, step: int) -> Path:
    return Path(output) / CHECKPOINTS / f"stage{stage}-step{step:06d}"


def latest_checkpoint(output: Path) -> Checkpoint | None:
    found = []
    for folder in (Path(output) / CHECKPOINTS).glob("stage*-step*"):
        match = _NAME.match(folder.name)
        if match and (folder / STATE_FILE).exists():
            found.append(Checkpoint(folder, int(match.group(1)), int(match.group(2))))
    return max(found, key=lambda c: (c.stage, c.step), default=None)


def save_checkpoint(accelerator, output: Path, stage: int, step: int, config: TrainConfig, keep: int = 2) -> Path:
    """Write a checkpoint (all processes take part: FSDP gathers), then prune to the newest ``keep``."""
    path = checkpoint_path(output, stage, step)
    accelerator.save_state(str(path))
    if accelerator.is_main_process:
        state = {"stage": stage, "step": step, "recipe_sha256": recipe_digest(config)}
        (path / STATE_FILE).write_text(json.dumps(state, indent=2))
        older = sorted((p for p in (Path(output) / CHECKPOINTS).glob("stage*-step*") if p != path),
                       key=lambda p: p.name)
        for stale in older[:max(0, len(older) - (keep - 1))]:
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()
    return path


def load_checkpoint(accelerator, checkpoint: Checkpoint, config: TrainConfig) -> None:
    """Restore weights, optimizer and RNG; refuse a checkpoint written under a different recipe."""
    state = json.loads((checkpoint.path / STATE_FILE).read_text())
    if state.get("recipe_sha256") != recipe_digest(config):
        raise ConfigError(f"checkpoint {checkpoint.path} was written with a different recipe than this config",
                          "resume with the config the run started with (only stage lengths, checkpoint/log/"
                          "monitor frequency and device may change), or start a new --output")
    accelerator.load_state(str(checkpoint.path))
