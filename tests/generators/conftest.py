"""One uninterrupted reference run, reused by the multi-process, shard and kill tests
(each tiny-flux process pays ~6-10 s of imports)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gen_helpers import eval_args, run_cli


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory) -> Path:
    """One uninterrupted single-process run: the images and results every variant must reproduce."""
    out = tmp_path_factory.mktemp("reference") / "run"
    done = run_cli(eval_args(out))
    assert done.returncode == 0, done.stderr
    return out
