"""``evaluate(config, model=<live pipeline>)``: a training loop scores its current weights without saving
them; the typed Results come back and results.json is not written (that is a separate step)."""

from __future__ import annotations

import json

import pytest

from divgenbench.generators import GenerationSettings
from divgenbench.generators.tiny_flux import TINY_MAX_SEQUENCE, build_tiny_flux_pipeline
from divgenbench.pipeline import EvalConfig, evaluate
from divgenbench.rundir import RunDir


@pytest.mark.slow
def test_a_live_pipeline_makes_the_same_images_as_its_registry_twin(tmp_path):
    settings = GenerationSettings(batch_size=4, num_inference_steps=4, resolution=64, guidance_scale=3.5)
    common = dict(limit=1, extractor_set="tiny", scores=("pvs",), quality=(), resamples=20, settings=settings)
    live = evaluate(EvalConfig(output=tmp_path / "live", model_args={"max_sequence_length": str(TINY_MAX_SEQUENCE)},
                               **common), model=build_tiny_flux_pipeline(seed=0))
    registry = evaluate(EvalConfig(model="tiny-flux", output=tmp_path / "registry", **common))
    assert live.model.name == "live" and live.model.extra["pipeline_class"] == "FluxPipeline"
    assert live.scores["pvs"].value == registry.scores["pvs"].value
    hashes = [sorted(json.loads(line)["sha256"] for line in RunDir(tmp_path / name).samples_path.read_text().splitlines())
              for name in ("live", "registry")]
    assert hashes[0] == hashes[1]
    assert not RunDir(tmp_path / "live").results_path.exists()  # writing is the caller's step


def test_evaluate_refuses_what_is_not_a_model(tmp_path):
    from divgenbench.errors import ConfigError

    with pytest.raises(ConfigError, match="diffusers pipeline or a divgenbench Generator"):
        evaluate(EvalConfig(output=tmp_path / "x", limit=1), model=object())
