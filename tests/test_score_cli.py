"""``divgenbench score RUN_DIR`` re-scores a finished tiny-flux run with zero model forward passes."""

from __future__ import annotations

import json
import shutil
import sys

import onnxruntime
import pytest
from typer.testing import CliRunner

from divgenbench.cli import app, main
from divgenbench.extractors.cache import FeatureCache
from divgenbench.pipeline import EvalConfig, evaluate_and_write as evaluate


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A tiny-flux run (2 prompts per dimension) and its feature cache, made once for the module."""
    root = tmp_path_factory.mktemp("score")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIVGENBENCH_HOME", str(root / "home"))
        results = evaluate(EvalConfig(model="tiny-flux", output=root / "run", limit=2, resamples=50))
    return root, results


@pytest.fixture
def run_copy(finished_run, tmp_path, monkeypatch):
    """A private copy of the run and of the cache, so each test may damage its own."""
    root, results = finished_run
    shutil.copytree(root / "run", tmp_path / "run")
    shutil.copytree(root / "home", tmp_path / "home")
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path / "home"))
    return tmp_path / "run", results


@pytest.fixture
def no_models(monkeypatch):
    """Opening any ONNX model (the face path's only way to a forward pass) fails the command."""
    opened = []

    def refuse(self, path, *args, **kwargs):
        opened.append(path)
        raise AssertionError(f"a model was opened during rescoring: {path}")

    monkeypatch.setattr(onnxruntime.InferenceSession, "__init__", refuse)
    return opened


def scores(run) -> dict:
    data = json.loads((run / "results.json").read_text())
    return {k: (v["value"], v["n"], v["status"]) for k, v in data["scores"].items()}


def test_rescoring_from_the_cache_runs_no_model(run_copy, no_models):
    run, results = run_copy
    assert results.scores["ids"].status == "computed"  # the tiny detector found faces in tiny-flux images
    before = scores(run)
    (run / "results.json").unlink()  # a rescoring must rebuild it
    (run / "report.html").write_text("stale")  # and refresh the report, which would show the old numbers
    result = CliRunner().invoke(app, ["score", str(run), "-q"])
    assert result.exit_code == 0, result.output
    assert no_models == [] and scores(run) == before
    assert (run / "report.html").read_text().startswith("<!DOCTYPE html>") and "report: " in result.output
    assert json.loads((run / "results.json").read_text())["extractors"]["face-embedding"]["extractor"] == "tiny-arcface"


def test_rescoring_with_an_empty_cache_uses_the_run_sidecars(run_copy, no_models):
    run, _ = run_copy
    before = scores(run)
    assert FeatureCache().clear()  # a fresh machine
    result = CliRunner().invoke(app, ["score", str(run), "-q"])
    assert result.exit_code == 0, result.output
    assert no_models == [] and scores(run) == before


def test_without_cache_or_sidecars_the_model_would_run(run_copy, no_models):
    """The guard above can fail: with nothing cached, rescoring must open the face model."""
    run, _ = run_copy
    FeatureCache().clear()
    shutil.rmtree(run / "features")
    result = CliRunner().invoke(app, ["score", str(run), "-q"])
    assert isinstance(result.exception, AssertionError) and no_models


def test_face_extractor_switch_records_dlib(run_copy):
    run, _ = run_copy
    result = CliRunner().invoke(app, ["score", str(run), "-q", "--face-extractor", "dlib"])
    assert result.exit_code == 0, result.output
    data = json.loads((run / "results.json").read_text())
    assert data["extractors"]["face-embedding"]["extractor"] == "dlib"
    assert data["scores"]["ids"]["status"] == "undefined"  # 64×64 noise has no face dlib can see
    assert "found 0" in data["scores"]["ids"]["reason"]


@pytest.mark.parametrize("damage, message", [
    ("no-run", "is not a run directory"),
    ("missing-image", "score` never generates"),
])
def test_unusable_run_folders_exit_2_with_one_line(run_copy, damage, message, monkeypatch, capsys):
    run, _ = run_copy
    if damage == "no-run":
        (run / "run.json").unlink()
    else:
        next((run / "images" / "id").glob("*.png")).unlink()
    monkeypatch.setattr(sys, "argv", ["divgenbench", "score", str(run), "-q"])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 2 and message in err.replace("\n", " ") and "Traceback" not in err
