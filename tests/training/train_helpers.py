"""Tiny training recipes for the tests: tiny-flux (float64, 32², 2 sampling steps) and tiny-hps-v2.1."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TINY_PROMPTS = ["a cat on a mat", "a red house by the sea", "two dogs playing", "an old man reading"]


def tiny_config(**sections):
    """The tiny recipe; ``sections`` replace whole config sections (e.g. stage1={"steps": 2})."""
    from divgenbench.training.config import parse_config

    data = {"model": {"generator": "tiny-flux", "dtype": "float64", "max_sequence_length": 32},
            "reward": {"name": "tiny-hps-v2.1"}, "device": "cpu",
            "sampling": {"resolution": 32, "steps": 2},
            "optim": {"lr": 1e-2, "gradient_accumulation": 2},
            "stage1": {"steps": 2}, "stage2": {"steps": 2}, "gradient_checkpointing": False}
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return parse_config(data)
