"""compare: paired bootstrap from the feature sidecars; refuses incomparable runs, naming each difference."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from divgenbench.cli import app
from divgenbench.cli import results as results_cli
from divgenbench.compare import compare_runs
from divgenbench.errors import DataError


def test_copies_of_one_image_are_significantly_less_varied_than_varied_images(make_run):
    constant, varied = make_run("constant"), make_run("varied")
    comparison = compare_runs(constant, varied, resamples=500)
    pvs = {row.key: row for row in comparison.rows}["pvs"]
    assert pvs.value_a == pytest.approx(0.0, abs=1e-12) and pvs.value_b > 0.1
    d = pvs.difference
    assert d.n == 24 and d.difference == pytest.approx(pvs.value_a - pvs.value_b)
    assert d.significant and d.high < 0 and pvs.better == "B"  # PVS is higher-is-better: the varied run wins
    reversed_ = {row.key: row for row in compare_runs(varied, constant, resamples=500).rows}["pvs"]
    assert reversed_.difference.low > 0 and reversed_.better == "A"


def test_two_runs_of_the_same_seeds_show_no_difference(make_run):
    comparison = compare_runs(make_run("varied"), make_run("varied", copy=1))
    pvs = {row.key: row for row in comparison.rows}["pvs"]
    assert pvs.difference.difference == 0.0 and not pvs.difference.significant and pvs.better is None


def test_scores_missing_in_a_run_are_reported_not_compared(make_run):
    rows = {row.key: row for row in compare_runs(make_run("constant"), make_run("varied")).rows}
    assert rows["ids"].difference is None and "not computed in A and B" in rows["ids"].reason


def test_only_shared_prompts_are_paired(make_run):
    """A run with fewer prompts (--limit 12 picks a subset of --limit 24) pairs on the shared 12."""
    rows = {row.key: row for row in compare_runs(make_run("varied", limit=12), make_run("varied")).rows}
    assert rows["pvs"].difference.n == 12


def edited_copy(source, target, edit):
    shutil.copytree(source, target)
    data = json.loads((target / "results.json").read_text())
    edit(data)
    (target / "results.json").write_text(json.dumps(data))
    return target


def test_refuses_runs_whose_protocol_bank_or_extractors_differ_and_says_which(tmp_path, make_run):
    def edit(data):
        data["protocol"]["choices"]["seed_rule"] = "something else"
        data["protocol"]["scoring"]["bootstrap"]["resamples"] = 7  # intervals only: not a refusal
        data["prompt_bank"]["sha256"] = "0" * 64
        data["extractors"]["photometric"]["code_version"] = "2"

    other = edited_copy(make_run("varied"), tmp_path / "other", edit)
    with pytest.raises(DataError) as caught:
        compare_runs(make_run("constant"), other)
    message = str(caught.value)
    assert "protocol.choices.seed_rule" in message and "prompt_bank.sha256" in message
    assert "extractors.photometric.code_version" in message and "bootstrap" not in message


def test_a_sidecar_from_another_extractor_is_refused(tmp_path, make_run):
    def edit(data):
        data["extractors"]["photometric"]["dtype"] = "float16"

    other = edited_copy(make_run("varied"), tmp_path / "stale", edit)
    with pytest.raises(DataError, match="were not made by the extractor recorded"):
        compare_runs(other, other)


def test_compare_command_prints_the_table(make_run, monkeypatch):
    monkeypatch.setattr(results_cli.console, "width", 200)
    result = CliRunner().invoke(app, ["compare", str(make_run("constant")), str(make_run("varied")),
                                      "--resamples", "200"])
    assert result.exit_code == 0, result.output
    pvs_line = next(line for line in result.output.splitlines() if "PVS" in line)
    assert "✓" in pvs_line and pvs_line.rstrip(" │").endswith("B")
    assert "not computed in A and B" in result.output


@pytest.mark.parametrize("edit, message", [
    ("value", r"records PVS = 0\.9, but its own sidecars .* give"),
    ("sidecar", "made from other images than samples.jsonl lists"),
    ("sidecar-and-samples", r"records PVS = .*, but its own sidecars .* give 0\.0"),
])
def test_a_results_file_that_disagrees_with_its_own_sidecars_is_refused(tmp_path, make_run, edit, message):
    if edit == "value":
        other = edited_copy(make_run("varied"), tmp_path / "edited", lambda d: d["scores"]["pvs"].update(value=0.9))
    else:  # the varied run's results with the constant run's features (and image list)
        other = tmp_path / "swapped"
        shutil.copytree(make_run("varied"), other)
        shutil.rmtree(other / "features")
        shutil.copytree(make_run("constant") / "features", other / "features")
        if edit == "sidecar-and-samples":
            shutil.copy(make_run("constant") / "samples.jsonl", other / "samples.jsonl")
    with pytest.raises(DataError, match=message) as caught:
        compare_runs(make_run("varied"), other)
    assert "divgenbench score" in caught.value.hint


# --- quality scores (issue 15 item 4: compare covers quality) ------------------------------------------------------
@pytest.fixture(scope="module")
def quality_runs(tmp_path_factory):
    """Two tiny-flux runs of other random weights on the HPDv2 fixture prompts (8 prompts, quality only), and a
    copy of the first: the five tiny quality scorers, per-image sidecars and all."""
    from pathlib import Path

    from divgenbench.generators import GenerationSettings
    from divgenbench.pipeline import EvalConfig, evaluate_and_write

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "hpdv2"
    root = tmp_path_factory.mktemp("quality-runs")
    runs = {}
    for name, seed in (("seed0", "0"), ("seed1", "1")):
        runs[name] = root / name
        evaluate_and_write(EvalConfig(model="tiny-flux", output=runs[name], protocol="hpdv2",
                                      prompts_source=str(fixture), model_args={"weights_seed": seed},
                                      settings=GenerationSettings(batch_size=4)))
    runs["copy"] = root / "copy"
    shutil.copytree(runs["seed0"], runs["copy"])
    return runs


QUALITY_KEYS = ["tiny-aesthetic-v2.5", "tiny-clip-score", "tiny-hps-v2.1", "tiny-imagereward", "tiny-pickscore"]


@pytest.mark.slow
def test_quality_scores_are_compared_paired_over_shared_prompts(quality_runs):
    rows = {row.key: row for row in compare_runs(quality_runs["seed0"], quality_runs["seed1"], resamples=500).rows}
    assert sorted(rows) == QUALITY_KEYS  # a quality-only protocol: no diversity rows
    for row in rows.values():
        d = row.difference
        assert d is not None and d.n == 8 and d.difference == pytest.approx(row.value_a - row.value_b)
        assert d.low <= d.difference <= d.high
    same = {row.key: row for row in compare_runs(quality_runs["seed0"], quality_runs["copy"]).rows}
    assert all(r.difference.difference == 0 and not r.difference.significant for r in same.values())


@pytest.mark.slow
def test_a_quality_value_that_disagrees_with_its_sidecar_is_refused(quality_runs, tmp_path):
    edited = edited_copy(quality_runs["copy"], tmp_path / "edited",
                         lambda d: d["quality"]["tiny-pickscore"].update(value=0.5))
    with pytest.raises(DataError, match=r"records PickScore = 0\.5, but its own sidecars .* give"):
        compare_runs(quality_runs["seed0"], edited)


@pytest.mark.slow
def test_a_quality_score_of_other_weights_is_a_row_with_the_reason(quality_runs, tmp_path):
    other = edited_copy(quality_runs["copy"], tmp_path / "other",
                        lambda d: d["quality_scorers"]["tiny-hps-v2.1"]["fingerprint"].update(weights_sha256="0" * 64))
    rows = {row.key: row for row in compare_runs(quality_runs["seed0"], other).rows}
    assert rows["tiny-hps-v2.1"].difference is None
    assert rows["tiny-hps-v2.1"].reason == "scored with other weights or preprocessing"
    assert rows["tiny-pickscore"].difference is not None
