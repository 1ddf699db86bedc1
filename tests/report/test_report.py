"""The HTML report: self-contained, rendered in headless Chromium without console errors, strings escaped."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from divgenbench.cli import app
from divgenbench.errors import DataError
from divgenbench.report import render_report, write_report
from divgenbench.results.sidecars import open_run

EVIL = "<script>console.error('pwned-script')</script><img src=x onerror=\"console.error('pwned-img')\">"


def edited_copy(source, target, edit):
    shutil.copytree(source, target)
    data = json.loads((target / "results.json").read_text())
    edit(data, target)
    (target / "results.json").write_text(json.dumps(data))
    return target


def full_scores(data, run):
    """A run whose every score and some quality are present (values as FLUX.1-dev's in SPEC §7)."""
    for key, value in {"ids": 0.280, "asc": 0.179, "sdi": 0.563}.items():
        data["scores"][key].update(value=value, interval={"low": value - 0.02, "high": value + 0.02}, n=24,
                                   status="computed", reason=None)
    data["quality"]["hps-v2.1"] = {"name": "HPS-v2.1", "value": 0.310, "n": 24, "direction": "higher",
                                   "interval": {"low": 0.305, "high": 0.315}}
    data["quality"]["pickscore"] = {"name": "PickScore", "value": 0.240, "n": 24, "direction": "higher"}
    samples = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    layout = sorted({s["prompt_id"] for s in samples if s["dimension"] == "layout"})
    data["diagnostics"].update(face_detection_rate=0.95, count_accuracy=0.4, ids_within_group=0.41,
                               layout_per_prompt={p: 0.5 + i / 100 for i, p in enumerate(layout)})
    data["model"]["name"] = "full-run"


@pytest.fixture(scope="module")
def runs(make_run, tmp_path_factory):
    base = tmp_path_factory.mktemp("report-runs")
    full = edited_copy(make_run("varied"), base / "full", full_scores)

    def evil(data, run):
        data["model"]["name"] = EVIL
        data["model"]["args"] = {"checkpoint": EVIL}
        data["diagnostics"]["skipped_images"] = [{"key": "id-0001_0", "reason": "unreadable", "message": EVIL}]
        data["diagnostics"]["notes"] = [EVIL]

    hostile = edited_copy(make_run("constant"), base / "hostile", evil)
    return {"constant": make_run("constant"), "varied": make_run("varied"), "full": full, "hostile": hostile}


def test_report_is_self_contained_with_every_section(runs, tmp_path):
    html = render_report([open_run(runs[k]) for k in ("constant", "varied", "full")])
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "no remote resources"
    assert "<link" not in html and "@import" not in html
    for element in ('id="chart-bars"', 'id="chart-radar"', 'id="chart-scatter"', 'id="summary-table"',
                    'id="layout-run-2"', 'id="diagnostics-run-0"', 'id="run-1-grid-layout"'):
        assert element in html, element
    assert html.count('class="thumb"') == 3 * (8 + 8 + 8 * 4 + 8)  # 8 prompts per dimension, 4 layout images each
    assert 'id="quality-note"' not in html
    assert "rows: HPS-v2.1, PickScore" in html  # every quality score gets its row of the scatter, HPS first


def test_the_scatter_draws_every_quality_score_against_every_diversity_axis_with_error_bars(runs):
    from divgenbench.report import plots
    from divgenbench.report.html import charts

    drawn = []
    original = plots.quality_scatter

    def spy(models, quality, diversity):
        drawn.append((quality, diversity))
        return original(models, quality, diversity)

    loaded = [open_run(runs[k]) for k in ("varied", "full")]
    try:
        plots.quality_scatter = spy
        out = charts(["varied", "full"], loaded)
    finally:
        plots.quality_scatter = original
    quality, diversity = drawn[0]
    assert [panel.title for panel in quality] == ["HPS-v2.1", "PickScore"] == out["quality_names"]
    assert [panel.title for panel in diversity] == ["1 − IDS", "ASC", "SDI", "PVS"]
    hps_full = quality[0].points[1]
    assert (hps_full.value, hps_full.low, hps_full.high) == (0.310, 0.305, 0.315)  # the interval becomes the bar
    assert diversity[0].points[1].value == pytest.approx(1 - 0.280)


def test_runs_without_quality_explain_the_missing_scatter(runs):
    html = render_report([open_run(runs["constant"])])
    assert 'id="quality-note"' in html and 'id="chart-scatter"' not in html
    assert "No per-prompt Layout figures" in html  # SDI not computed and no boxes sidecar


def test_report_renders_from_sidecars_when_images_are_gone(runs, tmp_path):
    copy = tmp_path / "no-images"
    shutil.copytree(runs["varied"], copy)
    shutil.rmtree(copy / "images")
    html = render_report([open_run(copy)])
    assert 'class="thumb"' not in html and "not in the run directory" in html
    assert "0.4" in html  # the PVS value is still there


def test_submitted_strings_are_escaped(runs):
    html = render_report([open_run(runs["hostile"])])
    assert EVIL not in html and "<script>console" not in html
    assert "&lt;script&gt;console.error(&#39;pwned-script&#39;)&lt;/script&gt;" in html


def test_report_in_headless_chromium(runs, tmp_path, chromium):
    page = write_report([runs[k] for k in ("constant", "varied", "full", "hostile")], tmp_path / "report.html")
    rendered = chromium(page)
    assert rendered.console == [], rendered.console  # no script error, no broken image, no injected script
    dom = rendered.dom
    for chart in ("chart-bars", "chart-radar", "chart-scatter"):
        assert re.search(rf'<img class="chart" id="{chart}"[^>]*src="data:image/svg\+xml;base64,', dom), chart
    layout_table = re.search(r'<table class="sortable layout" id="layout-run-2">(.*?)</table>', dom, re.S).group(1)
    assert layout_table.count("<tr>") == 1 + 24  # header + one row per Layout prompt
    assert dom.count('class="thumb"') == 4 * 56
    assert "&lt;script&gt;console.error('pwned-script')&lt;/script&gt;" in dom  # shown as text
    with Image.open(rendered.screenshot) as shot:
        pixels = np.asarray(shot.convert("L"), dtype=np.float64)
    assert shot.size[0] >= 1000 and pixels.std() > 10  # a real page, not a blank one


def test_eval_writes_the_report_unless_told_not_to(tmp_path):
    runner = CliRunner()
    for flags, expected in (([], True), (["--no-report"], False)):
        out = tmp_path / f"run{len(flags)}"
        result = runner.invoke(app, ["eval", "--model", "test-synthetic", "--model-args", "mode=varied", "--limit",
                                     "2", "--resamples", "50", "-q", "-o", str(out), *flags])
        assert result.exit_code == 0, result.output
        assert (out / "report.html").exists() is expected
        assert (out / "results.json").exists()
    assert "PVS" in (tmp_path / "run0" / "report.html").read_text()


def test_report_command_defaults_to_the_run_directory(runs, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(runs["varied"], run)
    result = CliRunner().invoke(app, ["report", str(run)])
    assert result.exit_code == 0, result.output
    assert (run / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_two_runs_get_a_paired_comparison_section_and_labels_that_tell_them_apart(runs):
    html = render_report([open_run(runs["constant"]), open_run(runs["varied"])])
    assert "test-synthetic (mode=constant)" in html and "test-synthetic (mode=varied)" in html
    assert "test-synthetic #2" not in html
    table = re.search(r'<table id="comparison-table">(.*?)</table>', html, re.S).group(1)
    pvs = next(row for row in table.split("<tr>") if row.startswith("<td>PVS"))
    assert re.search(r"<td class=\"num\">-0\.\d{4}</td>", pvs) and "<td>yes</td><td>B</td>" in pvs
    assert 'id="comparison-table"' not in render_report([open_run(runs["varied"])])  # one run: no section


def test_runs_that_cannot_be_compared_say_why_in_the_comparison_section(runs, tmp_path):
    def other_protocol(data, run):
        data["protocol"]["name"] = "quick"

    quick = edited_copy(runs["varied"], tmp_path / "quick", other_protocol)
    html = render_report([open_run(runs["constant"]), open_run(quick)])
    assert 'id="comparison-note"' in html and "Not compared: cannot compare" in html


def test_uninformative_intervals_are_flagged_with_the_reason(runs, tmp_path):
    from divgenbench.report.html import interval_caveats
    from divgenbench.results.io import load_results

    smoke = load_results(runs["varied"])
    assert set(interval_caveats(smoke)) == {"pvs"} and "smoke" in interval_caveats(smoke)["pvs"]

    def real_but_thin(data, run):
        data["smoke"] = False
        data["scores"]["asc"].update(value=1.0, interval={"low": 1.0, "high": 1.0}, n=24, status="computed",
                                     reason=None)
        data["scores"]["sdi"].update(value=0.6, interval={"low": 0.5, "high": 0.7}, n=4, status="computed",
                                     reason=None)

    thin = edited_copy(runs["full"], tmp_path / "thin", real_but_thin)
    caveats = interval_caveats(load_results(thin))
    assert set(caveats) == {"asc", "sdi"}  # IDS and PVS rest on 24 prompts with a real interval
    assert "saturated" in caveats["asc"] and "k = n" in caveats["asc"] and "only 4 prompts" in caveats["sdi"]
    html = render_report([open_run(thin)])
    assert html.count('class="caveat"') == 2 and 'id="caveats-note"' in html


def test_bounded_scores_are_drawn_on_their_full_range():
    from divgenbench.report import plots
    from divgenbench.report.html import score_limits

    from divgenbench.metrics import metric_info

    limits = {key: score_limits(info.range) for key, info in metric_info().items()}
    assert limits["sdi"] == (0.0, 1.0) and limits["pvs"] == (0.0, 1.25)
    assert limits["asc"] == (0.0, None)  # unbounded above: autoscaled top
    figure = plots.bars_figure(["m"], [plots.Panel("PVS", [plots.Point(0.018, 0.01, 0.03)], limits["pvs"]),
                                       plots.Panel("ASC", [plots.Point(0.2, 0.1, 0.3)], limits["asc"])])
    pvs_axis, asc_axis = figure.axes
    assert pvs_axis.get_ylim() == (0.0, 1.25)
    assert asc_axis.get_ylim()[0] == 0.0 and 0.3 < asc_axis.get_ylim()[1] < 1.0
def thumbnails_of(html: str) -> int:
    return html.count("data:image/jpeg;base64,")


@pytest.mark.parametrize("tamper", ["outside", "symlink", "replaced", "bomb"])
def test_thumbnails_come_only_from_matching_files_inside_the_run(make_run, tmp_path, tamper):
    """``samples.jsonl`` travels with the folder: it must not smuggle other files into a shareable report."""
    run = tmp_path / "run"
    shutil.copytree(make_run("varied"), run)
    secret = tmp_path / "secret.png"
    Image.new("RGB", (16, 16), (255, 0, 0)).save(secret)
    before = thumbnails_of(render_report([open_run(run)]))
    lines = (run / "samples.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    if tamper == "outside":  # a record pointing outside, with the outside file's true hash
        first.update(path=str(secret), sha256=hashlib.sha256(secret.read_bytes()).hexdigest())
    elif tamper == "symlink":
        (run / first["path"]).unlink()
        (run / first["path"]).symlink_to(secret)
        first["sha256"] = hashlib.sha256(secret.read_bytes()).hexdigest()
    elif tamper == "replaced":  # the image changed since it was scored
        Image.new("RGB", (16, 16), (0, 255, 0)).save(run / first["path"])
    else:  # a PNG header claiming 100k × 100k pixels
        bomb = run / first["path"]
        Image.new("1", (20_000, 20_000)).save(bomb)
        first["sha256"] = hashlib.sha256(bomb.read_bytes()).hexdigest()
    (run / "samples.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    html = render_report([open_run(run)])
    assert thumbnails_of(html) == before - 1
    assert "1 images not shown: outside the run folder" in html


@pytest.mark.parametrize("record, message", [
    ("[1]", "a JSON list, not an object"),
    ('{"prompt_id": "id-0001"}', "fields"),
    ('{"prompt_id": "../x", "dimension": "id", "k": 0, "seed": 0, "path": "p", "sha256": "' + "0" * 64 + '"}',
     "is not a bank prompt"),
    ('{"prompt_id": "id-0001", "dimension": "id", "k": "0", "seed": 0, "path": "p", "sha256": "' + "0" * 64 + '"}',
     "k is not a int"),
    ('{"prompt_id": "id-0001", "dimension": "id", "k": 0, "seed": 0, "path": "p", "sha256": "x"}',
     "sha256 is not 64 lowercase hex"),
    ('{"k": ' + "1" * 5000 + "}", "5000 digits"),
])
def test_hostile_samples_records_are_one_error_in_report_and_compare(make_run, tmp_path, record, message):
    run = tmp_path / "run"
    shutil.copytree(make_run("varied"), run)
    with open(run / "samples.jsonl", "a") as fh:
        fh.write(record + "\n")
    html = render_report([open_run(run)])
    assert "no image grids" in html and message.split(" ")[0] in html
    result = CliRunner().invoke(app, ["compare", str(run), str(run), "--resamples", "10"])
    assert isinstance(result.exception, DataError) and message in str(result.exception)


@pytest.mark.parametrize("target, message", [
    ("results.json", "is not an .html file"),
    ("notes.html", "refusing to overwrite"),
    ("folder.html", "is a folder"),
    ("missing-parent/deeper/r.html", None),  # a new path: made, parents too
])
def test_report_output_never_overwrites_anything_but_a_report(make_run, tmp_path, target, message):
    run = tmp_path / "run"
    shutil.copytree(make_run("varied"), run)
    (run / "notes.html").write_text("<p>my own notes</p>")
    (run / "folder.html").mkdir()
    output = run / target
    before = output.read_bytes() if output.is_file() else None
    result = CliRunner().invoke(app, ["report", str(run), "-o", str(output)])
    if message is None:
        assert result.exit_code == 0 and output.read_bytes().startswith(b"<!DOCTYPE html>")
        again = CliRunner().invoke(app, ["report", str(run), "-o", str(output)])  # an earlier report: replaced
        assert again.exit_code == 0, again.output
        return
    assert message in str(result.exception)
    assert (output.read_bytes() if output.is_file() else None) == before


@pytest.mark.parametrize("errno_name", ["EACCES", "ENOSPC", "ENAMETOOLONG"])
def test_an_unwritable_report_output_is_one_config_error(make_run, tmp_path, monkeypatch, errno_name):
    """Read-only folder, full disk, over-long name (simulated where the write fails: tests may run as root)."""
    import errno
    import os

    from divgenbench.errors import ConfigError

    def failing_fsync(fd):
        raise OSError(getattr(errno, errno_name), os.strerror(getattr(errno, errno_name)))

    run = make_run("varied")  # made before the disk "fails": only the report's write may meet the error
    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(ConfigError, match=f"cannot write the report to .*{os.strerror(getattr(errno, errno_name))}"):
        write_report([run], tmp_path / "r.html")
    assert list(tmp_path.iterdir()) == []  # no half-written temporary left behind


def test_charts_draw_model_names_literally_even_with_mathtext_in_them():
    """Names come from other people's results and entries: "$\\frac{" must be drawn as text, not parsed."""
    from divgenbench.report import plots
    from divgenbench.report.plots import Panel, Point

    names = ["$\\frac{$ evil", "ok"]
    panel = Panel("PVS ↑", [Point(0.3, 0.2, 0.4), Point(0.5)])
    for svg in (plots.score_bars(names, [panel]), plots.radar(names, ["a", "b", "c"], [[0.1, 0.2, 0.3]] * 2),
                plots.quality_scatter(names, [panel], [panel]), plots.pareto_scatter(names, "HPS", [0.3, 0.4],
                                                                                     [(panel, [0, 1])])):
        assert svg.startswith(b"<?xml")
