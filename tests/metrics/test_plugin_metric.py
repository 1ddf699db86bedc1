"""A metric is one module plus its test: this module registers a throwaway unranked metric over all images
and finds it in results, report and ``compare`` with no edit elsewhere; the leaderboard stays green."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from divgenbench.compare import compare_runs
from divgenbench.generators import GenerationSettings
from divgenbench.leaderboard.entries import check_entries, entry_files
from divgenbench.metrics import METRICS, metric_info
from divgenbench.metrics.base import ALL_DIMENSIONS, Metric, Undefined
from divgenbench.metrics.bootstrap import PromptStatistic
from divgenbench.pipeline import EvalConfig, evaluate_and_write as evaluate
from divgenbench.report import write_report



REPO = Path(__file__).resolve().parents[2]


class BrightnessSpread(Metric):
    """Std of per-image brightness over every image of the run (a toy, unranked)."""

    key = "brightness-spread"
    name = "BrightSpread"
    full_name = "Brightness spread (test plug-in)"
    description = "Population std of mean max(R,G,B) over all images."
    dimensions = ALL_DIMENSIONS
    direction = "higher"
    range = (0.0, 0.5)
    feature = "photometric"
    choices = {"std": "population"}

    def statistic(self, table, context):
        rows = table.ok_rows()
        if len(rows) < 2:
            raise Undefined("needs two images")
        values = table.stack("stats", rows)[:, 1]
        index, prompts = table.prompt_index(rows)

        def spread(counts: np.ndarray) -> np.ndarray:
            weights = counts[:, index].astype(np.float64)  # (B, images)
            mean = (weights * values).sum(1) / weights.sum(1)
            return np.sqrt((weights * (values - mean[:, None]) ** 2).sum(1) / weights.sum(1))

        return PromptStatistic(len(prompts), spread)

    def diagnostics(self, table):
        return {"images_seen": len(table.items)}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(METRICS._targets, BrightnessSpread.key, BrightnessSpread)
        root = tmp_path_factory.mktemp("plugin")
        results = []
        for name in ("a", "b"):
            config = EvalConfig(model="tiny-flux", output=root / name, limit=1, resamples=50,
                                model_args={"weights_seed": "0" if name == "a" else "1"},
                                settings=GenerationSettings(batch_size=4))
            results.append(evaluate(config))
        yield root, results


def test_registered_metric_reaches_results(two_runs):
    _, (a, _) = two_runs
    score = a.scores["brightness-spread"]
    assert score.status == "computed" and score.dimension == "all" and score.interval is not None
    assert 0.0 <= score.value <= 0.5
    assert a.protocol.scoring["brightness-spread"] == {"std": "population"}
    assert a.diagnostics.metrics["brightness-spread"]["images_seen"] == sum(a.diagnostics.images.values())


def test_registered_metric_reaches_report_and_compare(two_runs, tmp_path):
    root, _ = two_runs
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(METRICS._targets, BrightnessSpread.key, BrightnessSpread)
        html = write_report([root / "a", root / "b"], tmp_path / "report.html").read_text()
        assert "BrightSpread" in html
        rows = {row.key: row for row in compare_runs(root / "a", root / "b", resamples=50).rows}
        assert rows["brightness-spread"].difference is not None


def test_an_unranked_metric_leaves_the_leaderboard_green():
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(METRICS._targets, BrightnessSpread.key, BrightnessSpread)
        assert "brightness-spread" in metric_info() and "brightness-spread" not in metric_info(ranked_only=True)
        checked = check_entries(entry_files(REPO / "leaderboard" / "entries"))
        assert checked and all(not problems for _, problems in checked.values())
