"""One process of a tiny D2-Align run under torchrun (gloo on CPU): ``python -m torch.distributed.run
--nproc_per_node N tests/training/distributed_worker.py OUTPUT``. The global accumulation is 2 whatever N is."""

from __future__ import annotations

import sys

from divgenbench.training.loop import D2AlignTrainer
from train_helpers import TINY_PROMPTS, tiny_config

if __name__ == "__main__":
    config = tiny_config(stage1={"steps": 2}, stage2={"steps": 1}, optim={"lr": 1e-3, "gradient_accumulation": 2})
    D2AlignTrainer(config, sys.argv[1], prompts=TINY_PROMPTS, progress=False).run("all")
