"""A quality scorer is one module plus its test: the toy scorer passes the conformance kit, and
``evaluate(..., quality=...)`` scores every image with its prompt, caches by (image, prompt) and records
the mean with a prompt-bootstrap interval and the scorer's scale and conventions."""

from __future__ import annotations

from pathlib import Path

import pytest
from conformance import check_scorer
from toy_scorer import ToyQuality

from divgenbench.errors import ConfigError
from divgenbench.generators import GenerationSettings
from divgenbench.pipeline import EvalConfig, evaluate
from divgenbench.quality import QUALITY, default_scorers
from divgenbench.rundir import RunDir

HERE = Path(__file__).parent


@pytest.fixture
def toy_registered(monkeypatch):
    monkeypatch.setitem(QUALITY._targets, ToyQuality.name, ToyQuality)
    ToyQuality.calls = 0


def test_toy_scorer_passes_the_conformance_kit(tmp_path):
    check_scorer(ToyQuality, tmp_path, registered_as="toy-quality",
                 setup=f"import sys; sys.path.insert(0, {str(HERE)!r})\n"
                       "from divgenbench.quality import QUALITY\nQUALITY.register('toy-quality', 'toy_scorer:ToyQuality')")


def test_evaluate_scores_quality_over_all_images_and_caches_it(tmp_path, toy_registered):
    config = EvalConfig(model="tiny-flux", output=tmp_path / "run", limit=1, resamples=50, quality=("toy-quality",),
                        scores=("pvs",), settings=GenerationSettings(batch_size=4))
    results = evaluate(config)
    images = sum(results.diagnostics.images.values())
    assert ToyQuality.calls == images  # every image, once
    value = results.quality["toy-quality"]
    assert value.status == "computed" and value.interval.low <= value.value <= value.interval.high
    assert value.n == 4  # one prompt per dimension, prompts are the resampling unit
    info = results.quality_scorers["toy-quality"]
    assert info.scale.startswith("mean pixel") and info.conventions == {"pixels": "RGB uint8 / 255"}
    assert info.fingerprint.feature == "quality" and results.smoke
    assert (RunDir(config.output).features_dir / "quality-toy-quality.json").exists()
    again = evaluate(config)
    assert ToyQuality.calls == images  # second run: all from the cache
    assert again.quality["toy-quality"].value == value.value


def test_unknown_quality_scorer_fails_before_any_image(tmp_path):
    with pytest.raises(ConfigError, match="unknown quality 'nope'"):
        evaluate(EvalConfig(model="tiny-flux", output=tmp_path / "run", limit=1, quality=("nope",)))
    assert not (tmp_path / "run" / "images").exists()


def test_default_scorers_follow_the_extractor_set(toy_registered, monkeypatch):
    monkeypatch.setitem(QUALITY._targets, "tiny-toy", ToyQuality)
    assert "tiny-toy" in default_scorers("tiny") and "toy-quality" not in default_scorers("tiny")
    assert "toy-quality" in default_scorers("default") and "tiny-toy" not in default_scorers("default")


def test_other_extractor_sets_run_no_quality_unless_asked(toy_registered):
    """A user's or a test's own extractor set never pulls in the real scorers' weights by default."""
    assert default_scorers("test-photometric") == []
