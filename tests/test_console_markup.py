"""Console output is text, not markup: names, paths, keys and messages from inputs reach rich escaped.

``[/]`` in a path once crashed the command (rich's MarkupError) and ``[link=…]`` / ``[conceal]`` were
interpreted; every case below prints the input back literally.
"""

from __future__ import annotations

import json
import shutil
import sys

import pytest
from typer.testing import CliRunner

from divgenbench.cli import app, main
from divgenbench.pipeline import Reporter

MARKUP = "[/]odd[link=https:evil.example]click[/link][conceal]hidden[/conceal][bold"


@pytest.fixture
def marked_run(make_run, tmp_path):
    """A finished run in a folder whose name is markup, with markup as its model name."""
    run = tmp_path / MARKUP / "run"  # the "/" of [/] makes nested folders: the path text is still MARKUP
    shutil.copytree(make_run("varied"), run)
    data = json.loads((run / "results.json").read_text())
    data["model"]["name"] = MARKUP
    (run / "results.json").write_text(json.dumps(data))
    return run


def test_validate_prints_paths_literally(marked_run):
    result = CliRunner().invoke(app, ["validate", str(marked_run)])
    assert result.exit_code == 0, result.output
    assert MARKUP in result.output.replace("\n", "")


def test_compare_table_prints_names_and_paths_literally(marked_run, monkeypatch):
    from divgenbench.cli import results as results_cli

    monkeypatch.setattr(results_cli.console, "width", 400)
    result = CliRunner().invoke(app, ["compare", str(marked_run), str(marked_run), "--resamples", "20"])
    assert result.exit_code == 0, result.output
    assert f"A = {MARKUP}" in result.output and "[conceal]hidden[/conceal]" in result.output


def test_report_prints_the_output_path_literally(marked_run):
    result = CliRunner().invoke(app, ["report", str(marked_run), "-o", str(marked_run / "r[/]x[conceal].html")])
    assert result.exit_code == 0, result.output
    assert "r[/]x[conceal].html" in result.output.replace("\n", "")


def test_the_error_handler_prints_messages_literally(tmp_path, monkeypatch, capsys):
    folder = tmp_path / MARKUP
    folder.mkdir(parents=True)
    monkeypatch.setattr(sys, "argv", ["divgenbench", "score", str(folder), "-q"])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err.replace("\n", "")
    assert exited.value.code == 2 and MARKUP in err and "is not a run directory" in err


def test_progress_notes_are_not_markup(capsys):
    from rich.console import Console

    console = Console(stderr=True, force_terminal=False, width=400)
    reporter = Reporter(console)
    reporter.note(f"all images already in {MARKUP}")
    with reporter.task(f"features of {MARKUP}", 1) as advance:
        advance(1)
    assert MARKUP in capsys.readouterr().err
