"""Provenance of a run: toolkit version and git hash, Python, torch, CUDA and GPU."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import __version__
from .results.models import Environment, Toolkit

TRACKED_PACKAGES = ("numpy", "torch", "diffusers", "transformers", "open_clip_torch", "onnxruntime",
                    "onnxruntime-gpu", "insightface", "dlib-bin", "ultralytics", "accelerate", "pillow")


def git_hash() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                             text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def toolkit() -> Toolkit:
    return Toolkit(version=__version__, git_hash=git_hash())


def environment() -> Environment:
    packages = {}
    for name in TRACKED_PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            continue
    torch_version = cuda = gpu = None
    if "torch" in sys.modules:  # never import torch just to describe the machine
        torch = sys.modules["torch"]
        torch_version = torch.__version__
        cuda = torch.version.cuda
        if torch.cuda.is_available():
            gpu = torch.cuda.get_device_name(0)
    return Environment(python=platform.python_version(), platform=platform.platform(), torch=torch_version,
                       cuda=cuda, gpu=gpu, packages=packages)
