"""``divgenbench plan`` → images made elsewhere → ``folder`` eval with the plan as manifest reproduces the run."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from divgenbench.cli import app
from divgenbench.pipeline import EvalConfig, evaluate_and_write as evaluate
from divgenbench.protocol import image_seed

LIMIT = 2  # prompts per dimension → 2·(1 + 1 + 4 + 1) = 14 images; every score needs two prompts


@pytest.mark.slow
def test_plan_then_folder_eval_reproduces_the_tiny_flux_scores_exactly(tmp_path):
    reference = evaluate(EvalConfig(model="tiny-flux", output=tmp_path / "tiny", limit=LIMIT, resamples=200))

    plan = tmp_path / "mine" / "plan.jsonl"
    done = CliRunner().invoke(app, ["plan", "--protocol", "divgenbench-v1", "--limit", str(LIMIT), "-o", str(plan)])
    assert done.exit_code == 0, done.output
    assert "--model folder --model-args path=" in done.output
    rows = [json.loads(line) for line in plan.read_text().splitlines()]
    assert len(rows) == 14 and {r["dimension"] for r in rows} == {"id", "style", "layout", "tonal"}
    for row in rows:  # "the user's generation code": the tiny-flux images, saved where the plan says
        assert row["seed"] == image_seed("divgenbench-v1", row["prompt_id"], row["k"]) and row["text"]
        (plan.parent / row["file"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "tiny" / row["file"], plan.parent / row["file"])

    mine = evaluate(EvalConfig(model="folder", model_args={"path": str(plan.parent), "manifest": plan.name},
                               output=tmp_path / "folder-run", limit=LIMIT, extractor_set="tiny", resamples=200))
    assert mine.diagnostics.skipped_images == [] and mine.diagnostics.notes == []
    assert {k: s.model_dump() for k, s in mine.scores.items()} == \
           {k: s.model_dump() for k, s in reference.scores.items()}
    assert all(s.status == "computed" for s in mine.scores.values())


def test_plan_refuses_a_bad_limit(tmp_path):
    done = CliRunner().invoke(app, ["plan", "--limit", "0", "-o", str(tmp_path / "plan.jsonl")])
    assert done.exit_code != 0 and not (tmp_path / "plan.jsonl").exists()
