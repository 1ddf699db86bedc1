"""Helpers for the generator tests: the CLI as a subprocess, image hashes, comparable results."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIMIT = "2"


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("WORLD_SIZE", None)
    env.update(extra)
    return env


def cli(*args: str) -> list[str]:
    """argv of ``divgenbench`` run from this checkout."""
    return [sys.executable, "-m", "divgenbench", *args]


def eval_args(output: Path, *extra: str) -> list[str]:
    return cli("eval", "--model", "tiny-flux", "--limit", LIMIT, "--resamples", "50", "-q", "-o", str(output),
               *extra)


def run_cli(args: list[str], timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=cli_env(**env), capture_output=True, text=True, timeout=timeout, cwd=REPO)


def image_hashes(run: Path) -> dict[str, str]:
    """Relative image path → sha256 for every PNG of a run (temporaries excluded)."""
    return {p.relative_to(run).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((run / "images").rglob("*.png")) if not p.name.startswith(".tmp-")}


def comparable_results(run: Path) -> dict:
    """results.json without what legitimately differs between runs (times, environment, batch size)."""
    results = json.loads((run / "results.json").read_text())
    for key in ("created_utc", "timings", "environment", "toolkit"):
        results.pop(key)
    results["model"]["settings"].pop("batch_size")
    return results
