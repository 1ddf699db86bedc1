"""Run labels say what tells runs of one model apart."""

from __future__ import annotations

from divgenbench.results.io import load_results
from divgenbench.results.labels import run_labels


def test_labels_name_the_model_args_that_differ_then_the_folder(make_run):
    constant, varied = load_results(make_run("constant")), load_results(make_run("varied"))
    assert run_labels([constant, varied], ["a", "b"]) == ["test-synthetic (mode=constant)",
                                                          "test-synthetic (mode=varied)"]
    assert run_labels([varied, varied], ["runs/x", "runs/y"]) == ["test-synthetic (runs/x)", "test-synthetic (runs/y)"]
    assert run_labels([varied, varied], ["run", "run"]) == ["test-synthetic (run)", "test-synthetic (run) #2"]
    other = varied.model_copy(update={"model": varied.model.model_copy(update={"name": "tiny-flux"})})
    assert run_labels([other, varied], ["a", "b"]) == ["tiny-flux", "test-synthetic"]


def test_settings_that_differ_label_too_but_batch_size_never_does(make_run):
    base = load_results(make_run("varied"))

    def with_settings(**settings):
        return base.model_copy(update={"model": base.model.model_copy(
            update={"settings": {**base.model.settings, **settings}})})

    labels = run_labels([with_settings(num_inference_steps=4, batch_size=1),
                         with_settings(num_inference_steps=8, batch_size=8)], ["a", "b"])
    assert labels == ["test-synthetic (num_inference_steps=4)", "test-synthetic (num_inference_steps=8)"]
