"""The diversity monitor: flattens scores with intervals, skips saturated ASC, and logs inside the trainer."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
import pytest

from divgenbench.errors import ConfigError
from divgenbench.results.models import Interval, ScoreValue
from divgenbench.training.monitor import DiversityMonitor, monitor_values
from train_helpers import TINY_PROMPTS, tiny_config


def test_values_carry_intervals_and_leave_out_what_is_not_informative():
    scores = {
        "ids": ScoreValue(name="IDS", dimension="id", value=0.3, interval=Interval(low=0.25, high=0.35), n=4,
                          direction="lower"),
        "sdi": ScoreValue(name="SDI", dimension="layout", status="not-computed", reason="no detector", direction="higher"),
        "asc": ScoreValue(name="ASC", dimension="style", value=1.0, n=4, direction="higher"),
        "pvs": ScoreValue(name="PVS", dimension="tonal", value=0.4, n=4, direction="higher"),
    }
    assert monitor_values(scores, saturated=frozenset({"asc"})) == \
        {"ids": 0.3, "ids_low": 0.25, "ids_high": 0.35, "pvs": 0.4}
    assert monitor_values(scores)["asc"] == 1.0


def test_every_must_be_positive():
    with pytest.raises(ConfigError, match="every=0"):
        DiversityMonitor(None, "unused", every=0, evaluate=lambda pipe, folder: None)


def live_pvs(pipe, folder):
    """A real evaluation of the live pipeline reduced to PVS (photometric, no model weights needed)."""
    import torch

    from divgenbench.metrics.pvs import photographic_variance_score, photometric_stats

    images = pipe(TINY_PROMPTS, height=32, width=32, num_inference_steps=2, max_sequence_length=32,
                  generator=torch.Generator().manual_seed(0), output_type="np").images
    value = photographic_variance_score(photometric_stats(list((images * 255).round().astype(np.uint8))))
    return SimpleNamespace(scores={"pvs": ScoreValue(name="PVS", dimension="tonal", value=value, n=len(images),
                                                     direction="higher")})


@pytest.mark.slow
def test_the_trainer_logs_the_monitor_every_k_steps_on_the_live_weights(make_trainer, tmp_path):
    pytest.importorskip("diffusers")
    from divgenbench.generators.tiny_flux import build_tiny_flux_pipeline
    from divgenbench.training.log import read_log

    pipe = copy.deepcopy(build_tiny_flux_pipeline(0, "float64"))
    base_pvs = live_pvs(copy.deepcopy(pipe), None).scores["pvs"].value
    monitor = DiversityMonitor(pipe, tmp_path / "monitor", every=2, evaluate=live_pvs)
    config = tiny_config(stage1={"steps": 1}, stage2={"steps": 4}, optim={"lr": 1e-3}, monitor={"every": 2})
    trainer = make_trainer(config, pipe=pipe, monitor=monitor)
    trainer.run("all")
    logged = {(r["step"], r["metric"]): r["value"] for r in read_log(trainer.output / "train_log.csv")
              if r["stage"] == 2 and r["metric"].startswith("pvs")}
    assert sorted(logged) == [(1, "pvs"), (3, "pvs")]
    assert logged[3, "pvs"] == live_pvs(trainer.pipe, None).scores["pvs"].value  # the trained weights
    assert logged[1, "pvs"] != base_pvs and logged[3, "pvs"] != logged[1, "pvs"]  # weights moved between checks


@pytest.mark.slow
def test_the_default_monitor_evaluates_the_live_pipeline(tmp_path):
    pytest.importorskip("diffusers")
    from divgenbench.generators.base import GenerationSettings
    from divgenbench.generators.tiny_flux import build_tiny_flux_pipeline

    pipe = build_tiny_flux_pipeline(0, "float64")
    settings = GenerationSettings(resolution=32, num_inference_steps=2, device="cpu", dtype="float64")
    monitor = DiversityMonitor(pipe, tmp_path, every=1, prompts_per_dimension=1, extractor_set="tiny",
                               settings=settings)
    values = monitor(0)
    assert {"sdi", "sdi_low", "sdi_high", "pvs", "slc"} <= set(values)
    assert "asc" not in values  # one style prompt: saturated (k = n), left out
    assert (tmp_path / "step000000").is_dir()
