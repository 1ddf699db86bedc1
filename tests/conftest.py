"""Shared fixtures: an isolated cache home for every test session, and one tiny evaluation run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory) -> Path:
    """Keep DIVGENBENCH_HOME and the Hugging Face caches out of the user's home, and offline."""
    home = tmp_path_factory.mktemp("divgenbench-home")
    os.environ["DIVGENBENCH_HOME"] = str(home)
    os.environ["HF_HOME"] = str(home / "hf")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    return home
