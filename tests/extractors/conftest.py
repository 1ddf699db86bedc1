"""Shared fixtures for extractor tests: a private $DIVGENBENCH_HOME per test, tiny face models built once."""

from __future__ import annotations

from pathlib import Path

import pytest
from extractor_helpers import OnnxRunCounter


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path / "home"


@pytest.fixture(scope="session")
def tiny_face_dir(tmp_path_factory) -> Path:
    """det.onnx (SCRFD-shaped) and rec.onnx (ArcFace-shaped), exported once per test session."""
    from divgenbench.extractors.tiny_faces import export_tiny_face_models

    directory = tmp_path_factory.mktemp("tiny-faces")
    export_tiny_face_models(directory)
    return directory


@pytest.fixture
def onnx_runs(monkeypatch) -> OnnxRunCounter:
    return OnnxRunCounter(monkeypatch)
