"""The ``make_trainer`` fixture: a D2-Align trainer on the tiny recipe of train_helpers.py."""

from __future__ import annotations

import pytest
from train_helpers import TINY_PROMPTS


@pytest.fixture
def make_trainer(tmp_path):
    """``make_trainer(config, name)``: a trainer writing to tmp_path/name (the config names tiny-hps-v2.1)."""
    from divgenbench.training.loop import D2AlignTrainer

    def build(config, name="run", **options):
        return D2AlignTrainer(config, tmp_path / name, prompts=TINY_PROMPTS, progress=False, **options)

    return build
