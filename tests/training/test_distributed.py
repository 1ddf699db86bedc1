"""Two CPU processes (torchrun, gloo) compute what one process computes where the math says they must.

With a global accumulation of 2, one process runs micro-batches {2s, 2s+1} in turn while two processes run one
each and average: the same mean gradient, hence the same b_v and generator up to float64 summation order.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")

from divgenbench.training.guided_reward import ReasoningDirection  # noqa: E402
from train_helpers import REPO  # noqa: E402

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(processes: int, output) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={processes}",
               f"--master_port={free_port()}", str(REPO / "tests" / "training" / "distributed_worker.py"),
               str(output)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]


def test_two_gloo_processes_equal_one(tmp_path):
    torchrun(1, tmp_path / "one")
    torchrun(2, tmp_path / "two")
    one, two = ReasoningDirection.load(tmp_path / "one"), ReasoningDirection.load(tmp_path / "two")
    assert one.b_v.abs().sum() > 0
    torch.testing.assert_close(two.b_v, one.b_v, rtol=1e-5, atol=1e-7)
    from safetensors.torch import load_file

    a = load_file(tmp_path / "one" / "transformer" / "diffusion_pytorch_model.safetensors")
    b = load_file(tmp_path / "two" / "transformer" / "diffusion_pytorch_model.safetensors")
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=1e-6, atol=1e-9, msg=key)
    import json

    assert json.loads((tmp_path / "two" / "d2align.json").read_text())["processes"] == 2
