"""``prompts stats`` pairing tables and ``prompts sample``: seeded, even over dimensions, printed literally."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from divgenbench.cli import app
from divgenbench.errors import ConfigError
from divgenbench.prompts import vocab as V
from divgenbench.prompts.bank import bundled_dir, load_prompts
from divgenbench.prompts.stats import pairing_tables, sample_prompts


@pytest.fixture(scope="module")
def bank():
    return load_prompts("bundled")


def test_pairing_tables_count_every_prompt_once_on_its_allowed_templates(bank):
    tables = pairing_tables(bank)
    assert sum(sum(c.values()) for c in tables["tonal"].values()) == 800
    assert set(tables["tonal"]["dimly lit"]) == {1, 3, 5}
    assert set(tables["layout"]) == {"table", "room", "open"}
    assert set(tables["layout"]["room"]) == set(V.LAYOUT_SETTINGS["room"])
    assert len(tables["style"]) == 27


def test_sample_is_even_seeded_and_in_bank_order(bank):
    sample = sample_prompts(bank, 40, seed=7)
    assert {d: len(ps) for d, ps in sample.items()} == {"id": 10, "style": 10, "layout": 10, "tonal": 10}
    assert sample == sample_prompts(bank, 40, seed=7) and sample != sample_prompts(bank, 40, seed=8)
    for dim, prompts in sample.items():
        ids = [p.id for p in prompts]
        assert ids == sorted(ids) and len(set(ids)) == 10 and all(i.startswith(dim) for i in ids)
    assert [len(ps) for ps in sample_prompts(bank, 6, seed=0).values()] == [2, 2, 1, 1]


def test_sample_refuses_no_prompts(bank):
    with pytest.raises(ConfigError, match="--n 0"):
        sample_prompts(bank, 0, seed=0)


def test_sample_command_prints_the_texts_literally(tmp_path):
    folder = tmp_path / "bank"
    shutil.copytree(bundled_dir(), folder)
    (folder / "manifest.json").unlink()
    lines = (folder / "id.jsonl").read_text().splitlines()
    record = json.loads(lines[0])
    record["text"] = "a [red]literal[/red] prompt"
    (folder / "id.jsonl").write_text("\n".join([json.dumps(record)] + lines[1:]) + "\n")
    result = CliRunner().invoke(app, ["prompts", "sample", "--n", "3200", "--prompts-source", str(folder)])
    assert result.exit_code == 0, result.output
    assert "a [red]literal[/red] prompt" in result.output
    assert len(re.findall(r"^(?:id|style|layout|tonal)-\d{4}  ", result.output, flags=re.M)) == 3200


def test_stats_command_shows_the_pairing_tables():
    result = CliRunner().invoke(app, ["prompts", "stats"])
    assert result.exit_code == 0, result.output
    assert "tonal: prompts per template" in result.output and "layout: prompts per template" in result.output
    assert "dimly lit" in result.output and "open" in result.output
