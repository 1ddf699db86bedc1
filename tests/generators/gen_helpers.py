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


def run_cli(args: list[str], timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
    """The CLI as a subprocess. The timeout catches a hang, not slowness: a tiny-flux eval takes ~30 s on an
    idle 2-core machine and several minutes on a shared one, where 120 s failed a fresh-machine run."""
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
