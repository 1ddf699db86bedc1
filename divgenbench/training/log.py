"""The per-step training log: a long-format CSV (stage, step, metric, value) plus TensorBoard when installed.

Long format because the rows are not all alike: every step logs loss, rewards, grad norm, lr, time and memory,
while the diversity monitor adds IDS/SDI/PVS/SLC with their intervals every K steps. Readers pivot with pandas.
On resume, rows at or after the resumed position are dropped first, so the file never holds a step twice.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

LOG_FILE = "train_log.csv"
FIELDS = ("stage", "step", "metric", "value")


def read_log(path: Path | str) -> list[dict]:
    """Rows as dicts with int stage/step and float value."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [{"stage": int(r["stage"]), "step": int(r["step"]), "metric": r["metric"], "value": float(r["value"])}
                for r in csv.DictReader(handle)]


class TrainLog:
    """Appends metric rows; only the main process writes (``enabled``)."""

    def __init__(self, folder: Path, *, enabled: bool = True, tensorboard: bool = True):
        self.path = Path(folder) / LOG_FILE
        self.enabled = enabled
        self.writer = None
        if enabled and tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:  # tensorboard is optional: the CSV is the record
                SummaryWriter = None
            if SummaryWriter is not None:
                self.writer = SummaryWriter(str(Path(folder) / "tensorboard"))

    def truncate(self, stage: int, step: int) -> None:
        """Drop rows at or after (stage, step): they belong to an interrupted stretch being redone."""
        if not self.enabled or not self.path.exists():
            return
        kept = [r for r in read_log(self.path) if (r["stage"], r["step"]) < (stage, step)]
        self._write(kept, mode="w")

    def log(self, stage: int, step: int, values: Mapping[str, float]) -> None:
        if not self.enabled:
            return
        rows = [{"stage": stage, "step": step, "metric": k, "value": float(v)} for k, v in values.items()]
        self._write(rows, mode="a")
        if self.writer is not None:
            for key, value in values.items():
                self.writer.add_scalar(f"stage{stage}/{key}", float(value), step)
            self.writer.flush()

    def _write(self, rows: list[dict], mode: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = mode == "w" or not self.path.exists()
        with open(self.path, mode, newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=FIELDS)
            if new:
                writer.writeheader()
            writer.writerows(rows)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
