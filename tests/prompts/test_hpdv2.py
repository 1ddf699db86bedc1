"""The ``hpdv2`` protocol (issue 15 item 2): the HPDv2 benchmark prompts from the pinned hub files or a folder of
the four category files, checked as untrusted input; an eval that generates and scores them with quality only;
the offline error before any image."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from divgenbench.errors import ConfigError, DataError, MissingDataError
from divgenbench.hashing import sha256_file
from divgenbench.prompts import hpdv2, prompts_for
from divgenbench.protocol import HPDV2_CATEGORIES, get_protocol

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "hpdv2"


def test_a_folder_of_the_four_files_is_a_bank_by_category():
    bank = prompts_for(get_protocol("hpdv2"), str(FIXTURE))
    assert tuple(bank.prompts) == HPDV2_CATEGORIES and bank.source == str(FIXTURE)
    first = bank["concept-art"][1]
    assert (first.id, first.dimension, dict(first.attributes)) == ("hpdv2-concept-art-001", "concept-art",
                                                                    {"category": "concept-art", "index": 1})
    assert first.text == json.loads((FIXTURE / "concept-art.json").read_text())[1]
    assert bank.sha256 == prompts_for(get_protocol("hpdv2"), str(FIXTURE)).sha256
    assert prompts_for(get_protocol("divgenbench-v1")).version != bank.version  # the other protocols keep the bank


@pytest.mark.parametrize(("content", "fragment"), [
    ('{"prompts": []}', "not a non-empty JSON list"), ("[]", "not a non-empty JSON list"),
    ('["fine", 3]', "entry 1 is not a prompt"), ('["fine", "  "]', "entry 1 is not a prompt"),
    (json.dumps(["x" * 2001]), "entry 0 is not a prompt"), ('["a", NaN]', "NaN"), ("[\"a\"", "HPDv2 prompts file"),
])
def test_a_damaged_category_file_is_one_data_error(tmp_path, content, fragment):
    folder = tmp_path / "hpdv2"
    shutil.copytree(FIXTURE, folder)
    (folder / "photo.json").write_text(content)
    with pytest.raises(DataError, match=fragment):
        prompts_for(get_protocol("hpdv2"), str(folder))


def test_a_folder_without_the_files_names_what_is_missing(tmp_path):
    (tmp_path / "anime.json").write_text('["a"]')
    with pytest.raises(ConfigError, match="lacks concept-art.json, paintings.json, photo.json"):
        prompts_for(get_protocol("hpdv2"), str(tmp_path))
    with pytest.raises(ConfigError, match="not a folder"):
        prompts_for(get_protocol("hpdv2"), str(tmp_path / "nowhere"))


def test_hub_files_are_fetched_at_the_pinned_revision_and_checked_against_their_pins(monkeypatch):
    import huggingface_hub

    calls = []

    def fake_download(repo_id, filename, *, repo_type, revision):
        calls.append((repo_id, filename, repo_type, revision))
        return str(FIXTURE / Path(filename).name)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    with pytest.raises(DataError, match="benchmark/anime.json of zhwang/HPDv2.*the pin is 6b38a479cc6f"):
        prompts_for(get_protocol("hpdv2"))  # the fixture is not the benchmark's bytes
    assert calls[0] == ("zhwang/HPDv2", "benchmark/anime.json", "dataset", hpdv2.HPDV2_REVISION)
    monkeypatch.setattr(hpdv2, "HPDV2_SHA256", {c: sha256_file(FIXTURE / f"{c}.json") for c in HPDV2_CATEGORIES})
    with pytest.raises(DataError, match="holds 2 prompts, expected 800"):
        prompts_for(get_protocol("hpdv2"))
    monkeypatch.setattr(hpdv2, "HPDV2_PROMPTS_PER_CATEGORY", 2)
    bank = prompts_for(get_protocol("hpdv2"))
    assert bank.source == f"hub:zhwang/HPDv2@{hpdv2.HPDV2_REVISION}"
    assert bank.sha256 == prompts_for(get_protocol("hpdv2"), str(FIXTURE)).sha256  # same prompts, same hash


def test_offline_names_dataset_revision_files_and_the_folder_alternative():
    with pytest.raises(MissingDataError) as caught:  # the real hf_hub_download, HF_HUB_OFFLINE=1
        prompts_for(get_protocol("hpdv2"))
    line = caught.value.one_line()
    for part in ("zhwang/HPDv2", hpdv2.HPDV2_REVISION, "benchmark/anime.json", "--repo-type dataset",
                 "--prompts-source"):
        assert part in line


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "divgenbench", *args], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_eval_generates_and_scores_the_hpdv2_prompts_with_quality_only(tmp_path):
    out = tmp_path / "run"
    done = run_cli("eval", "--model", "tiny-flux", "--protocol", "hpdv2", "--prompts-source", str(FIXTURE),
                   "-o", str(out), "-q")
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["protocol"]["name"] == "hpdv2" and results["scores"] == {}
    assert results["diagnostics"]["images"] == {c: 2 for c in HPDV2_CATEGORIES}
    assert sorted(results["quality"]) == ["tiny-aesthetic-v2.5", "tiny-clip-score", "tiny-hps-v2.1",
                                          "tiny-imagereward", "tiny-pickscore"]
    for score in results["quality"].values():
        assert score["status"] == "computed" and score["n"] == 8 and score["interval"]["method"].endswith("prompts")
    assert results["prompt_bank"]["source"] == str(FIXTURE)
    assert {p.parent.name for p in (out / "images").rglob("*.png")} == set(HPDV2_CATEGORIES)
    report = (out / "report.html").read_text()
    assert "hpdv2-paintings-001" in report and "no-diversity-note" in report and "chart-radar" not in report
    assert json.loads((FIXTURE / "photo.json").read_text())[0] in report  # prompt texts from the run's own source
    assert "prompt texts unavailable" not in report
    rescored = run_cli("score", str(out), "-q")
    assert rescored.returncode == 0, rescored.stderr
    again = json.loads((out / "results.json").read_text())
    assert {k: v["value"] for k, v in again["quality"].items()} == {k: v["value"] for k, v in results["quality"].items()}


def test_offline_hub_stops_the_run_before_any_image(tmp_path):
    out = tmp_path / "run"
    done = run_cli("eval", "--model", "tiny-flux", "--protocol", "hpdv2", "-o", str(out), "-q")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "zhwang/HPDv2" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (out / "run.json").exists() and not list(out.rglob("*.png"))


def test_a_diversity_score_named_on_hpdv2_is_a_config_error(tmp_path):
    from divgenbench.pipeline import EvalConfig, plan

    config = EvalConfig(model="tiny-flux", output=tmp_path / "run", protocol="hpdv2", prompts_source=str(FIXTURE),
                        scores=("ids",))
    with pytest.raises(ConfigError, match="ids are not defined on protocol 'hpdv2'"):
        plan(config)
    assert plan(EvalConfig(model="tiny-flux", output=tmp_path / "run", protocol="hpdv2",
                           prompts_source=str(FIXTURE))).metrics == []
