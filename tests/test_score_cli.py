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
    stale = '<!DOCTYPE html><meta name="generator" content="divgenbench 0.0"> stale numbers'
    (run / "report.html").write_text(stale)  # and refresh the report, which would show the old numbers
    result = CliRunner().invoke(app, ["score", str(run), "-q"])
    assert result.exit_code == 0, result.output
    assert no_models == [] and scores(run) == before
    assert (run / "report.html").read_text() != stale and "report: " in result.output
    assert (run / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_a_foreign_file_at_the_report_path_is_refused_before_rescoring(run_copy):
    run, _ = run_copy
    (run / "report.html").write_text("my notes")
    before = (run / "results.json").read_bytes()
    result = CliRunner().invoke(app, ["score", str(run), "-q"])
    assert result.exit_code != 0 and "not a DivGenBench report" in str(result.exception)
    assert (run / "results.json").read_bytes() == before and (run / "report.html").read_text() == "my notes"
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


def test_a_tampered_run_cannot_poison_later_scores(run_copy, finished_run, tmp_path):
    """Scoring someone's edited run folder must not change the scores of an independent run of the same images."""
    from safetensors.numpy import load_file, save_file

    run, _ = run_copy
    before = scores(run)
    FeatureCache().clear()  # a fresh machine: nothing computed here yet
    sidecar = run / "features" / "photometric.safetensors"
    tensors = load_file(str(sidecar))
    tensors["stats"] = tensors["stats"] * 0 + tensors["stats"][:1] * 3  # every image claims the same tones
    save_file(tensors, str(sidecar))
    assert CliRunner().invoke(app, ["score", str(run), "-q"]).exit_code == 0
    tampered = json.loads((run / "results.json").read_text())
    assert scores(run)["pvs"] != before["pvs"]  # the folder's own claim, served to that folder only …
    assert tampered["diagnostics"]["feature_origins"]["photometric"] == {"computed_here": 0, "imported": 2}

    independent = tmp_path / "independent"
    shutil.copytree(finished_run[0] / "run", independent)
    shutil.rmtree(independent / "features")  # it must use what this machine holds or compute
    assert CliRunner().invoke(app, ["score", str(independent), "-q"]).exit_code == 0
    assert scores(independent) == before  # … never to anyone else
    origins = json.loads((independent / "results.json").read_text())["diagnostics"]["feature_origins"]
    assert origins["photometric"] == {"computed_here": 2, "imported": 0}


def test_a_flipped_bit_in_the_cache_is_recomputed_not_scored(run_copy):
    run, _ = run_copy
    before = scores(run)
    shutil.rmtree(run / "features")  # only the cache can answer
    for shard in (FeatureCache().root).rglob("*.safetensors"):
        data = bytearray(shard.read_bytes())
        data[-3] ^= 0x10
        shard.write_bytes(bytes(data))
    assert CliRunner().invoke(app, ["score", str(run), "-q"]).exit_code == 0
    assert scores(run) == before
    notes = json.loads((run / "results.json").read_text())["diagnostics"]["notes"]
    assert any("damaged feature-cache shards" in note for note in notes)


@pytest.mark.parametrize("resamples", ["-5", "0"])
def test_bad_resamples_are_refused_before_results_are_touched(run_copy, resamples, monkeypatch, capsys):
    run, _ = run_copy
    before = (run / "results.json").read_bytes()
    monkeypatch.setattr(sys, "argv", ["divgenbench", "score", str(run), "-q", "--resamples", resamples])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2 and "--resamples must be at least 1" in capsys.readouterr().err
    assert (run / "results.json").read_bytes() == before


def test_replaced_images_are_rehashed_and_rescored(run_copy):
    """`score` must not take the journal's hashes on trust: replaced PNGs give new features and new scores."""
    from PIL import Image

    run, _ = run_copy
    before = scores(run)
    for i, png in enumerate(sorted((run / "images" / "tonal").glob("*.png"))):
        Image.new("RGB", (64, 64), (40 + 150 * i, 200 - 150 * i, 90)).save(png)  # two flat, very different tones
    assert CliRunner().invoke(app, ["score", str(run), "-q"]).exit_code == 0
    after = scores(run)
    assert after["pvs"] != before["pvs"] and after["ids"] == before["ids"]
    samples = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    import hashlib

    for sample in samples:
        assert sample["sha256"] == hashlib.sha256((run / sample["path"]).read_bytes()).hexdigest()
    origins = json.loads((run / "results.json").read_text())["diagnostics"]["feature_origins"]
    assert origins["photometric"] == {"computed_here": 2, "imported": 0}  # the sidecar's old claims are not used
