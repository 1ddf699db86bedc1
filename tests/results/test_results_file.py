"""Results v1: the committed JSON Schema, SPEC §6 coverage, per-field problems, and a 1,000-file fuzz."""

from __future__ import annotations

import copy
import json
import math

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from divgenbench.cli import app
from divgenbench.errors import DataError
from divgenbench.results.io import JSON_TEXT, check_results_data, check_results_text, load_results
from divgenbench.results.models import Results
from divgenbench.results.schema import SCHEMA_PATH, results_json_schema, schema_text


@pytest.fixture(scope="module")
def results_dict(make_run) -> dict:
    data = json.loads((make_run("varied") / "results.json").read_text())
    data["quality"]["hps-v2.1"] = {"name": "HPS-v2.1", "value": 0.31, "interval": {"low": 0.30, "high": 0.32},
                                   "n": 24, "direction": "higher"}
    data["diagnostics"]["skipped_images"] = [{"key": "id-0001_0", "reason": "no-face", "message": ""}]
    return data


def test_committed_schema_matches_the_models():
    assert SCHEMA_PATH.read_text() == schema_text(), "run `python -m divgenbench.results.schema`"


def test_exported_schema_accepts_a_pipeline_run_and_rejects_a_broken_one(results_dict):
    jsonschema.Draft202012Validator(results_json_schema()).validate(results_dict)
    broken = copy.deepcopy(results_dict)
    broken["prompt_bank"]["sha256"] = "not-a-hash"
    with pytest.raises(jsonschema.ValidationError, match="not-a-hash"):
        jsonschema.Draft202012Validator(results_json_schema()).validate(broken)


def test_every_spec_section_6_item_has_a_place():
    """Toolkit version+hash, model provenance, protocol choices, bank hash, extractor fingerprints, scores
    with value/CI/n/direction, quality, diagnostics, environment, timings, UTC time, sidecars."""
    props = results_json_schema()["properties"]
    defs = results_json_schema()["$defs"]
    required = {
        "Toolkit": {"version", "git_hash"},
        "ModelInfo": {"name", "adapter", "args", "hub_id", "revision"},
        "ProtocolInfo": {"name", "images_per_prompt", "choices", "scoring", "limit"},
        "PromptBankInfo": {"version", "sha256"},
        "ExtractorInfo": {"extractor", "model_id", "revision", "weights_sha256", "preprocessing", "dtype"},
        "ScoreValue": {"value", "interval", "n", "direction"},
        "Diagnostics": {"face_detection_rate", "count_accuracy", "ids_within_group", "skipped_images",
                        "layout_per_prompt"},
        "Environment": {"python", "torch", "cuda", "gpu"},
    }
    for model, fields in required.items():
        assert fields <= set(defs[model]["properties"]), model
    assert {"schema_version", "toolkit", "model", "protocol", "prompt_bank", "extractors", "scores", "quality",
            "diagnostics", "environment", "timings", "created_utc", "sidecars"} <= set(props)


def test_pipeline_records_scoring_choices_and_layout_diagnostics_slot(results_dict):
    results = Results.model_validate(results_dict)
    assert results.protocol.scoring["bootstrap"]["resamples"] == 300
    assert results.protocol.scoring["pvs"]["std"].startswith("population")
    assert results.created_utc.endswith("+00:00")


def test_every_problem_is_listed_at_once_with_its_field(results_dict):
    data = copy.deepcopy(results_dict)
    del data["model"]["name"]
    data["scores"]["pvs"]["value"] = "high"
    data["scores"]["pvs"]["interval"]["low"] = 2.0
    data["created_utc"] = "2026-01-01T10:00:00+02:00"
    data["prompt_bank"]["sha256"] = "abc"
    data["diagnostics"]["face_detection_rate"] = 1.5
    data["surprise"] = True
    results, problems = check_results_data(data)
    assert results is None
    paths = {p.path for p in problems}
    assert {"model.name", "scores.pvs.value", "scores.pvs.interval", "created_utc", "prompt_bank.sha256",
            "diagnostics.face_detection_rate", "surprise"} <= paths, problems


def test_a_computed_score_needs_a_value_and_a_missing_one_a_reason(results_dict):
    data = copy.deepcopy(results_dict)
    data["scores"]["ids"]["status"] = "computed"
    data["scores"]["pvs"].update(status="undefined", reason=None)
    _, problems = check_results_data(data)
    messages = {p.path: p.message for p in problems}
    assert "needs a value" in messages["scores.ids"]
    assert "needs a reason" in messages["scores.pvs"]


def test_load_results_raises_one_data_error_naming_file_and_fields(tmp_path, results_dict):
    data = copy.deepcopy(results_dict)
    data["toolkit"]["version"] = 3
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    with pytest.raises(DataError, match=r"results\.json is not a valid results file: toolkit\.version"):
        load_results(tmp_path)


def test_validate_command_lists_problems_and_exits_1(tmp_path, make_run, results_dict):
    data = copy.deepcopy(results_dict)
    data["scores"]["pvs"]["n"] = -1
    data["environment"].pop("python")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["validate", str(make_run("varied")), str(bad)])
    assert result.exit_code == 1
    assert "✓" in result.output and "2 problems" in result.output
    assert "scores.pvs.n:" in result.output and "environment.python: Field required" in result.output


def test_truncated_or_non_json_text_names_the_position():
    _, problems = check_results_text('{"schema_version": "1.0", "toolkit": {')
    assert problems[0].path == JSON_TEXT and "line 1, column" in problems[0].message
    _, problems = check_results_text(b'{"schema_version": "\xff"}')
    assert problems[0].path == JSON_TEXT and "UTF-8" in problems[0].message


# --- fuzz --------------------------------------------------------------------------------------------------------
def leaf_paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaf_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from leaf_paths(value, (*prefix, i))


JSON_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
MUTATIONS = st.sampled_from(["delete", "replace", "add-key"])


def mutate(data: dict, path: tuple, kind: str, value) -> tuple:
    """Apply one mutation in place; return the path it touched (what a problem should point at)."""
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    target = parent[path[-1]]
    if kind == "add-key" and isinstance(target, dict):
        target["zz-unexpected"] = value
        return (*path, "zz-unexpected")
    if kind == "delete" and isinstance(parent, dict):
        del parent[path[-1]]
        return path
    parent[path[-1]] = value
    return path


def related(problem_path: str, touched: tuple) -> bool:
    """The problem names the touched field, one of its parents, or one of its children."""
    touched_text = ".".join(map(str, touched))
    return (touched_text == problem_path or touched_text.startswith(problem_path + ".")
            or problem_path.startswith(touched_text + "."))


@settings(max_examples=1000, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_mutated_results_never_traceback_and_name_the_field(results_dict, data):
    mutated = copy.deepcopy(results_dict)
    touched = []
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in leaf_paths(mutated) if p]
        path = data.draw(st.sampled_from(paths))
        touched.append(mutate(mutated, path, data.draw(MUTATIONS), data.draw(JSON_VALUES)))
    results, problems = check_results_data(mutated)
    if results is not None:
        assert not problems
        return
    assert problems
    for problem in problems:
        assert problem.path and problem.message
        assert any(related(problem.path, t) for t in touched), (problem, touched)


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 10**6), noise=st.binary(max_size=4))
def test_fuzz_damaged_text_is_reported_with_its_position(results_dict, cut, noise):
    text = json.dumps(results_dict).encode()
    damaged = text[:cut % len(text)] + noise
    results, problems = check_results_text(damaged)
    if results is not None:  # the noise happened to close the JSON again
        assert json.loads(damaged) == results_dict and not problems
        return
    assert problems and all(p.path for p in problems)
    assert problems[0].path != JSON_TEXT or "line" in problems[0].message or "UTF-8" in problems[0].message


def test_non_finite_numbers_are_rejected(results_dict):
    data = copy.deepcopy(results_dict)
    data["scores"]["pvs"]["value"] = math.inf
    _, problems = check_results_data(data)
    assert [p.path for p in problems] == ["scores.pvs.value"]


@pytest.mark.parametrize("path, value, message", [
    (("scores", "pvs", "value"), "0.5", "valid number"),
    (("scores", "pvs", "n"), True, "valid integer"),
    (("scores", "pvs", "n"), 3.0, "valid integer"),
    (("smoke",), "yes", "valid boolean"),
    (("scores", "pvs", "value"), 1e308, "outside PVS's range"),
    (("scores", "pvs", "interval", "high"), 2.0, "high 2.0 is outside PVS's range"),
    (("scores", "pvs", "direction"), "lower", "higher-is-better"),
])
def test_results_are_validated_strictly_and_within_metric_ranges(results_dict, path, value, message):
    data = copy.deepcopy(results_dict)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    results, problems = check_results_data(data)
    assert results is None and any(message in p.message for p in problems), problems


def test_asc_is_bounded_by_its_reference_training_set(results_dict):
    data = copy.deepcopy(results_dict)
    data["references"] = {"style-embedding": {"name": "wikiart", "features_sha256": "0" * 64,
                                              "fingerprint_digest": "x", "train": 50, "test": 10}}
    data["scores"]["asc"] = {"name": "ASC", "value": 60.0, "n": 2, "direction": "higher"}
    _, problems = check_results_data(data)
    assert any("asc: value 60.0 is outside ASC's range [0.0, 50.0]" in p.message for p in problems), problems
    data["scores"]["asc"]["value"] = 0.9
    assert check_results_data(data)[1] == []


@pytest.mark.parametrize("text, message", [
    ('{"schema_version": ' + "1" * 5000 + "}", "5000 digits"),
    ('{"timings": {"x": 1e400}}', "overflows a float"),
    ('{"timings": {"x": NaN}}', "NaN is not a JSON number"),
    ("{\"a\":" * 50_000 + "1" + "}" * 50_000, "nested too deeply"),
])
def test_hostile_json_is_one_problem(text, message):
    results, problems = check_results_text(text)
    assert results is None and len(problems) == 1 and message in problems[0].message


def test_validate_refuses_a_huge_file_without_reading_it_whole(tmp_path, monkeypatch):
    from divgenbench import strictjson

    monkeypatch.setattr(strictjson, "MAX_JSON_BYTES", 1000)
    big = tmp_path / "results.json"
    big.write_text(" " * 5000 + "{}")
    assert len(strictjson.read_bounded(big)) == 1001
    result = CliRunner().invoke(app, ["validate", str(big)])
    assert result.exit_code == 1 and "byte limit" in result.output


def test_results_made_on_a_retired_prompt_bank_are_refused_naming_it(results_dict, tmp_path):
    """Issue 14 rewrote bank v1: images made for the old texts answer other prompts, so validate refuses."""
    from divgenbench.prompts.vocab import RETIRED_BANK_SHA256

    retired = "817e22797ca775819e5e88657598d5006afe7a275b5954c618fb23fcd41f6a99"
    assert retired in RETIRED_BANK_SHA256
    data = copy.deepcopy(results_dict)
    data["prompt_bank"]["sha256"] = retired
    _, problems = check_results_data(data)
    assert [p.path for p in problems] == ["prompt_bank.sha256"]
    assert "817e22797ca7" in problems[0].message and "re-run on the current bundled bank" in problems[0].message
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1 and "817e22797ca7" in result.output and "retired" in result.output
