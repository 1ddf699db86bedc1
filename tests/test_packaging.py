"""The core install stays light: no torch in the base dependencies or at import time."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "torchvision", "diffusers", "transformers", "onnxruntime", "open_clip_torch", "ultralytics")


def test_base_dependencies_exclude_heavy_backends():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=\[; ]", dep)[0].lower() for dep in project["dependencies"]}
    assert not names & set(HEAVY)
    extras = project["optional-dependencies"]
    assert {"face", "style", "detect", "quality", "train", "report", "gpu", "all", "test"} <= set(extras)
    assert project["scripts"]["divgenbench"] == "divgenbench.cli:main"


def test_cli_and_pipeline_import_without_torch():
    code = ("import sys, divgenbench.cli, divgenbench.pipeline, divgenbench.metrics; "
            f"loaded = [m for m in {HEAVY!r} if m in sys.modules]; assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_constraints_pin_the_tested_torch_stack():
    pins = dict(line.split("==") for line in (REPO / "constraints.txt").read_text().splitlines() if "==" in line)
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"
