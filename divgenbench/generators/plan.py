"""The generation plan as a file: what a user's own generation code must produce for the ``folder`` adapter.

One JSONL row per image, in the protocol's order: ``prompt_id``, ``dimension``, ``k``, ``seed`` (the
protocol's per-image seed, SPEC §3), ``text`` (the prompt) and ``file``, the path to save the image at,
relative to the plan file's folder. ``folder`` reads the same file back as its manifest
(``--model-args path=FOLDER,manifest=plan.jsonl``): its ``prompt_id``/``k``/``file`` columns are exactly the
manifest's, and the other columns are ignored there. [choice] ``file`` follows the run directory's layout
(``images/{dimension}/{prompt_id}_{k}.png``), so a user's folder looks like a run's.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..prompts.bank import PromptBank
from ..protocol import Protocol
from ..rundir import RunDir, atomic_write_bytes
from .runner import plan_requests

#: a run directory rooted at the plan file's folder: the one place image paths are assembled
PLAN_LAYOUT = RunDir(Path("."))


def plan_rows(bank: PromptBank, protocol: Protocol, limit: int | None = None) -> list[dict]:
    return [{"prompt_id": r.prompt_id, "dimension": r.dimension, "k": r.k, "seed": r.seed, "text": r.text,
             "file": PLAN_LAYOUT.relative(PLAN_LAYOUT.image_path(r.dimension, r.prompt_id, r.k))}
            for r in plan_requests(bank, protocol, limit)]


def write_plan(rows: list[dict], path: Path) -> None:
    atomic_write_bytes(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode())
