"""End to end on tiny-flux: images, records, results; a second run resumes without generating."""

from __future__ import annotations

import hashlib
import json

import pytest

from divgenbench.errors import ConfigError
from divgenbench.generators import GenerationSettings
from divgenbench.generators.tiny_flux import TinyFluxGenerator
from divgenbench.metrics import METRICS, metric_keys
from divgenbench.pipeline import EvalConfig, evaluate_and_write as evaluate
from divgenbench.protocol import image_seed
from divgenbench.results.models import Results
from divgenbench.rundir import RunDir

LIMIT = 2  # prompts per dimension → 2·(1 + 1 + 4 + 1) = 14 images


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny") / "run"
    config = EvalConfig(model="tiny-flux", output=out, limit=LIMIT, settings=GenerationSettings(batch_size=3))
    return config, evaluate(config)


def test_images_and_records_follow_the_protocol(tiny_run):
    config, _ = tiny_run
    run = RunDir(config.output)
    samples = [json.loads(line) for line in run.samples_path.read_text().splitlines()]
    assert len(samples) == 14
    assert sorted(s["k"] for s in samples if s["dimension"] == "layout") == [0, 0, 1, 1, 2, 2, 3, 3]
    for s in samples:
        data = (run.root / s["path"]).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert hashlib.sha256(data).hexdigest() == s["sha256"]
        assert s["seed"] == image_seed("divgenbench-v1", s["prompt_id"], s["k"])
    assert not list((run.root / "images").rglob(".tmp-*"))


def test_results_file_records_provenance_and_every_score(tiny_run):
    config, results = tiny_run
    on_disk = Results.model_validate_json(RunDir(config.output).results_path.read_text())
    assert on_disk == results
    assert results.smoke and results.model.smoke and results.model.name == "tiny-flux"
    assert results.model.settings["resolution"] == 64 and results.model.settings["dtype"] == "float64"
    assert results.protocol.name == "divgenbench-v1" and results.protocol.limit == LIMIT
    assert len(results.prompt_bank.sha256) == 64
    own = [k for k in metric_keys() if not METRICS.get(k).needs_reference_run]  # no --reference-run given
    assert list(results.scores)[:4] == ["ids", "asc", "sdi", "pvs"] and list(results.scores) == own
    pvs = results.scores["pvs"]
    assert pvs.status == "computed" and pvs.n == LIMIT and pvs.interval.low <= pvs.value <= pvs.interval.high
    assert results.diagnostics.images == {"id": 2, "style": 2, "layout": 8, "tonal": 2}


def test_second_run_resumes_without_generating(tiny_run, monkeypatch):
    config, first = tiny_run

    def refuse(*args, **kwargs):
        raise AssertionError("a finished run must not load the generator again")

    monkeypatch.setattr(TinyFluxGenerator, "load", refuse)  # built (cheap: args are checked), never loaded
    again = evaluate(config)
    assert {k: v.value for k, v in again.scores.items()} == {k: v.value for k, v in first.scores.items()}


def test_resuming_with_other_settings_is_refused(tiny_run):
    config, _ = tiny_run
    other = EvalConfig(model="tiny-flux", output=config.output, limit=LIMIT,
                       settings=GenerationSettings(num_inference_steps=2))
    with pytest.raises(ConfigError, match="settings.num_inference_steps: 4 → 2"):
        evaluate(other)


def test_stale_temporaries_are_removed_and_missing_images_regenerated(tiny_run):
    config, _ = tiny_run
    run = RunDir(config.output)
    victim = run.image_path("tonal", "tonal-0001", 0)
    original = victim.read_bytes()
    victim.unlink()
    (victim.parent / ".tmp-deadbeef-tonal-0001_0.png").write_bytes(original[:100])  # a kill mid-write
    evaluate(config)
    assert victim.read_bytes() == original
    assert not list(victim.parent.glob(".tmp-*"))


def test_all_four_scores_are_computed_and_compared_with_the_tiny_set(tiny_run):
    """The tiny extractor set computes every score; compare re-scores them (ASC against the same reference)."""
    from divgenbench.compare import compare_runs

    config, results = tiny_run
    own = [k for k in results.scores if not METRICS.get(k).needs_reference_run]
    assert own[:4] == ["ids", "asc", "sdi", "pvs"] and "slc" in own
    assert all(results.scores[k].status == "computed" for k in own), results.scores
    assert own == list(results.scores)  # reference-relative metrics only with --reference-run
    assert results.references["style-embedding"].name.startswith("tiny-procedural")
    assert {f: e.extractor for f, e in results.extractors.items()} == {
        "face-embedding": "tiny-arcface", "style-embedding": "tiny-csd", "boxes": "tiny-grounding-dino",
        "photometric": "photometric"}
    rows = {row.key: row for row in compare_runs(config.output, config.output, resamples=200).rows}
    assert set(rows) == set(own) | set(results.quality)  # extras nobody was scored with get no row
    assert len(results.quality) == 5  # the tiny twins of the five scorers, compared below the diversity rows
    for key in [*own, *results.quality]:
        assert rows[key].difference is not None, rows[key].reason
        assert rows[key].difference.difference == 0.0 and not rows[key].difference.significant
