"""`--reference-run`: SPEC §8 extras from two tiny-flux runs' cached features, with zero extractor passes."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from divgenbench.errors import ConfigError
from divgenbench.extractors import EXTRACTORS
from divgenbench.extractors.base import Extractor
from divgenbench.metrics import METRICS, metric_keys
from divgenbench.pipeline import EvalConfig, plan, score
from divgenbench.pipeline import evaluate_and_write as evaluate

pytestmark = pytest.mark.slow
REFERENCE_KEYS = [k for k in metric_keys() if METRICS.get(k).needs_reference_run]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A "base" tiny-flux run and a "tuned" one (other weights), 12 prompts per dimension, scored alone.

    PRDC needs more than k = 5 distinct prompts in every resample, hence a dozen rather than a handful.
    """
    root = tmp_path_factory.mktemp("reference-run")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIVGENBENCH_HOME", str(root / "home"))
        for name, seed in (("base", 0), ("tuned", 1)):
            evaluate(EvalConfig(model="tiny-flux", output=root / name, limit=12, resamples=20,
                                model_args={"weights_seed": str(seed)}))
    return root


@pytest.fixture
def runs(two_runs, tmp_path, monkeypatch):
    for folder in ("base", "tuned", "home"):
        shutil.copytree(two_runs / folder, tmp_path / folder)
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.fixture
def extractor_passes(monkeypatch):
    """Every call of any registered extractor's `extract` (a model forward pass for the model-based ones)."""
    calls = []
    for name in EXTRACTORS.names():
        cls = EXTRACTORS.get(name)
        if isinstance(cls, type) and issubclass(cls, Extractor) and "extract" in vars(cls):
            original = cls.extract

            def counted(self, items, _original=original, _name=name):
                calls.append((_name, len(items)))
                return _original(self, items)

            monkeypatch.setattr(cls, "extract", counted)
    return calls


def values(run) -> dict:
    return json.loads((run / "results.json").read_text())["scores"]


def test_without_a_reference_run_the_extras_are_left_out_and_naming_one_says_what_to_pass(two_runs, tmp_path):
    scores = values(two_runs / "tuned")
    assert REFERENCE_KEYS and not set(REFERENCE_KEYS) & set(scores)  # no rows of dashes in every results file
    with pytest.raises(ConfigError, match="scd-tonal compare this run with a reference run") as refused:
        plan(EvalConfig(model="tiny-flux", output=tmp_path / "x", limit=1, scores=("pvs", "scd-tonal")))
    assert "--reference-run" in refused.value.one_line()


def test_rescoring_against_a_reference_run_adds_the_extras_from_cached_features_only(runs, extractor_passes):
    before = values(runs / "tuned")
    results = score(runs / "tuned", reference_run=runs / "base")
    assert extractor_passes == []  # nothing re-extracted: both runs' features come from cache and sidecars
    for key in ("ids", "sdi", "pvs"):
        assert results.scores[key].value == before[key]["value"]
    computed = {k for k in REFERENCE_KEYS if results.scores[k].status == "computed"}
    assert {"scd-tonal", "vendi-tonal", "prdc-recall-tonal", "prdc-coverage-tonal"} <= computed
    for key in computed:  # a percentile interval need not contain the point value (Vendi drops under repeats)
        interval = results.scores[key].interval
        assert np.isfinite([interval.low, interval.high]).all() and interval.low <= interval.high
        assert results.scores[key].n == 12
    assert results.scores["scd-tonal"].value > 0  # other weights, other photometric spread


def test_a_run_against_itself_has_scd_zero_and_full_recall_and_coverage(runs, extractor_passes):
    results = score(runs / "base", reference_run=runs / "base")
    assert extractor_passes == []
    assert results.scores["scd-tonal"].value == pytest.approx(0, abs=1e-15)
    for number in ("precision", "recall", "coverage"):
        assert results.scores[f"prdc-{number}-tonal"].value == 1.0
    assert results.scores["vendi-tonal"].value >= 1


def test_report_and_compare_show_the_extras(runs, extractor_passes):
    from divgenbench.compare import compare_runs
    from divgenbench.report import write_report

    score(runs / "tuned", reference_run=runs / "base")
    score(runs / "base", reference_run=runs / "base")
    html = write_report([runs / "base", runs / "tuned"], runs / "report.html").read_text()
    assert "Against a reference run" in html and "SCD (Tonal)" in html and "Coverage (Tonal)" in html
    assert "needs a reference run" not in html  # not-computed extras stay out of the tables
    rows = {row.key: row for row in compare_runs(runs / "tuned", runs / "base", resamples=30,
                                                 reference_run=runs / "base").rows}
    assert rows["scd-tonal"].difference is not None and rows["scd-tonal"].value_b == pytest.approx(0, abs=1e-15)
    assert extractor_passes == []
