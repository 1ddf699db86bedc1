"""Leaderboard: the paper-reported entries, validation of submissions, ranks with ties, the built page."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from divgenbench.cli import app
from divgenbench.leaderboard.build import (
    README_END,
    README_START,
    Cell,
    assign_ranks,
    build_leaderboard,
    cell_text,
    build_rows,
    load_valid_entries,
    pareto_front,
    render_leaderboard,
)
from divgenbench.leaderboard.entries import (
    MAX_ENTRY_BYTES,
    Entry,
    check_entry_bytes,
    check_entry_file,
    entry_files,
)

REPO = Path(__file__).resolve().parents[2]
ENTRIES = REPO / "leaderboard" / "entries"
#: SPEC §7 (paper Tables 2 and 7): IDS, ASC, SDI, PVS
SPEC_TABLE = {
    "FLUX.1-dev": (0.280, 0.179, 0.563, 0.408), "DanceGRPO": (0.348, 0.130, 0.488, 0.259),
    "Flow-GRPO": (0.391, 0.044, 0.389, 0.168), "SRPO": (0.259, 0.234, 0.580, 0.352),
    "D2-Align": (0.251, 0.253, 0.636, 0.412), "DanceGRPO (HPS+CLIP)": (0.252, 0.108, 0.523, 0.344),
    "Flow-GRPO (HPS+CLIP)": (0.276, 0.133, 0.506, 0.316), "SRPO (HPS+CLIP)": (0.306, 0.198, 0.559, 0.402),
    "D2-Align (HPS+CLIP)": (0.237, 0.247, 0.631, 0.418), "DanceGRPO + b_v": (0.278, 0.205, 0.604, 0.437),
}
SPEC_HPS = {"FLUX.1-dev": 0.310, "D2-Align": 0.343, "D2-Align (HPS+CLIP)": 0.314, "DanceGRPO": 0.361,
            "Flow-GRPO": 0.367, "SRPO": 0.296}
EVIL = "<script>console.error('pwned')</script>"


def test_committed_entries_are_valid_and_are_the_papers_numbers():
    entries = {}
    for path in entry_files(ENTRIES):
        entry, problems = check_entry_file(path)
        assert problems == [], (path, problems)
        entries[entry.submission.name] = entry
    assert set(entries) == set(SPEC_TABLE)
    for name, entry in entries.items():
        assert entry.kind == "paper-reported" and entry.results is None
        assert tuple(entry.reported.scores[k] for k in ("ids", "asc", "sdi", "pvs")) == SPEC_TABLE[name]
        assert entry.reported.quality.get("hps-v2.1") == SPEC_HPS.get(name)
        assert "2512.24146" in entry.reported.source


@pytest.fixture(scope="module")
def smoke_results(make_run) -> dict:
    return json.loads((make_run("varied") / "results.json").read_text())


def submission(name="My model"):
    return {"name": name, "model_id": "me/my-model", "revision": "abc123", "license": "apache-2.0",
            "contact": "me@example.org"}


def entry_bytes(results, kind="reproduced", **submission_fields):
    return json.dumps({"entry_version": "1", "kind": kind, "submission": {**submission(), **submission_fields},
                       "results": results}).encode()


def test_a_smoke_run_is_refused_with_that_one_reason(smoke_results):
    """Smoke is the only reason worth reading: its --limit and missing scores cannot be fixed one by one."""
    _, problems = check_entry_bytes("my-model", entry_bytes(smoke_results))
    assert [p.path for p in problems] == ["results.smoke"] and "never ranked" in problems[0].message


def test_a_partial_run_is_refused_with_every_reason(smoke_results):
    results = copy.deepcopy(smoke_results)
    results["smoke"] = results["model"]["smoke"] = False
    _, problems = check_entry_bytes("my-model", entry_bytes(results))
    paths = [p.path for p in problems]
    assert "results.protocol.limit" in paths
    assert {"results.scores.ids", "results.scores.asc", "results.scores.sdi"} <= set(paths)
    assert "results.protocol.name" not in paths and "results.prompt_bank.sha256" not in paths


def full_results(smoke_results, expected):
    """The smoke run turned into what a full default-set run records (for the validator's accepting path)."""
    data = copy.deepcopy(smoke_results)
    data["smoke"] = False
    data["model"]["smoke"] = False
    data["protocol"]["limit"] = None
    for key, value in {"ids": 0.25, "asc": 0.2, "sdi": 0.6, "pvs": 0.4}.items():
        data["scores"][key].update(value=value, interval={"low": value - 0.01, "high": value + 0.01}, n=800,
                                   status="computed", reason=None)
    data["extractors"] = copy.deepcopy(expected)
    return data


EXPECTED = {feature: {"extractor": f"{feature}-x", "feature": feature, "model_id": "org/weights", "revision": "r1",
                      "weights_sha256": "a" * 64, "preprocessing": {"size": 224}, "dtype": "float32",
                      "code_version": "1", "smoke": False}
            for feature in ("face-embedding", "style-embedding", "boxes", "photometric")}


def test_a_full_run_with_the_default_fingerprints_passes_and_dtype_may_differ(smoke_results):
    results = full_results(smoke_results, EXPECTED)
    results["extractors"]["boxes"]["dtype"] = "float16"
    entry, problems = check_entry_bytes("my-model", entry_bytes(results), EXPECTED)
    assert problems == [] and entry.kind == "reproduced"


def test_a_public_checkpoint_entry_needs_a_measured_public_checkpoint_generator(smoke_results):
    results = full_results(smoke_results, EXPECTED)
    _, problems = check_entry_bytes("srpo", entry_bytes(results, kind="public-checkpoint"), EXPECTED)
    assert [p.path for p in problems] == ["results.model"]
    results["model"]["extra"]["kind"] = "public-checkpoint"
    entry, problems = check_entry_bytes("srpo", entry_bytes(results, kind="public-checkpoint"), EXPECTED)
    assert problems == [] and entry.kind == "public-checkpoint"
    _, problems = check_entry_bytes("srpo", json.dumps({"entry_version": "1", "kind": "public-checkpoint",
                                                        "submission": submission()}).encode(), EXPECTED)
    assert any("holds `results`" in p.message for p in problems)


def test_fingerprint_bank_protocol_and_metadata_problems_are_all_named(smoke_results):
    results = full_results(smoke_results, EXPECTED)
    results["extractors"]["face-embedding"]["weights_sha256"] = "b" * 64
    del results["extractors"]["boxes"]
    results["prompt_bank"]["sha256"] = "c" * 64
    results["protocol"]["name"] = "quick"
    results["scores"]["pvs"]["interval"] = None
    data = json.loads(entry_bytes(results, revision=None, license="", url="javascript:alert(1)"))
    _, problems = check_entry_bytes("My Model", json.dumps(data).encode(), EXPECTED)
    paths = {p.path for p in problems}
    assert {"(file)", "submission.license", "submission.url"} <= paths  # schema problems come first
    data["submission"].update(license="mit", url="https://example.org")
    _, problems = check_entry_bytes("my-model", json.dumps(data).encode(), EXPECTED)
    assert {p.path for p in problems} == {
        "results.extractors.face-embedding.weights_sha256", "results.extractors.boxes", "results.prompt_bank.sha256",
        "results.protocol.name", "results.scores.pvs.interval", "submission.revision"}


def test_a_run_on_the_retired_prompt_bank_is_refused_naming_the_hash_and_the_fix(smoke_results):
    results = full_results(smoke_results, EXPECTED)
    results["prompt_bank"]["sha256"] = "817e22797ca775819e5e88657598d5006afe7a275b5954c618fb23fcd41f6a99"
    _, problems = check_entry_bytes("my-model", entry_bytes(results), EXPECTED)
    [problem] = [p for p in problems if p.path == "results.prompt_bank.sha256"]
    assert "817e22797ca7" in problem.message and "retired" in problem.message
    assert "re-run on the current bundled bank" in problem.message


def test_default_fingerprints_that_cannot_be_built_here_are_named(smoke_results):
    """Without local weights, the unpinned CSD and Grounding DINO fingerprints cannot be had: each is named
    (not a crash, not a pass)."""
    _, problems = check_entry_bytes("my-model", entry_bytes(full_results(smoke_results, EXPECTED)))
    assert problems and all(p.path.startswith("results.extractors.") for p in problems)


def test_oversized_and_malformed_files_are_refused(tmp_path):
    _, problems = check_entry_bytes("big", b" " * (MAX_ENTRY_BYTES + 1))
    assert "byte limit" in problems[0].message
    _, problems = check_entry_bytes("bad", b'{"kind": "reproduced",')
    assert problems[0].path == "(json)" and "line 1" in problems[0].message
    _, problems = check_entry_bytes("both", json.dumps({"kind": "paper-reported", "submission": submission(),
                                                         "reported": {"source": "x", "scores": {"ids": 1}},
                                                         "results": {}}).encode())
    assert any(p.path == "results.toolkit" for p in problems)


def test_validate_command_lists_every_problem_and_exits_1(tmp_path, smoke_results):
    bad = tmp_path / "my-model.json"
    bad.write_bytes(entry_bytes(smoke_results))
    result = CliRunner().invoke(app, ["leaderboard", "validate", str(ENTRIES / "d2-align.json"), str(bad)])
    assert result.exit_code == 1
    assert "✓" in result.output and "results.smoke: smoke results" in result.output
    assert "results.protocol.limit" not in result.output


def test_validate_on_a_bare_results_file_says_to_use_submit(make_run):
    result = CliRunner().invoke(app, ["leaderboard", "validate", str(make_run("varied") / "results.json")])
    assert result.exit_code == 1
    problem_lines = result.output.splitlines()[1:]
    assert len(problem_lines) == 1 and "divgenbench leaderboard submit RESULTS --model-id" in problem_lines[0]


SUBMIT_ARGS = ["--model-id", "me/my-model", "--revision", "abc123", "--license", "apache-2.0",
               "--contact", "me@example.org"]


def test_submit_refuses_a_smoke_run_with_one_reason_and_writes_nothing(make_run, tmp_path):
    out = tmp_path / "my-model.json"
    result = CliRunner().invoke(app, ["leaderboard", "submit", str(make_run("varied")), *SUBMIT_ARGS, "-o", str(out)])
    assert result.exit_code == 1 and not out.exists()
    assert result.output.splitlines()[1:] == [
        "    results.smoke: smoke results (tiny models or extractors) are never ranked: evaluate the real model "
        "with the default extractors and no --limit"]


def test_submit_wraps_results_unmodified_and_the_entry_validates(smoke_results, tmp_path, monkeypatch):
    import divgenbench.leaderboard.entries as entries

    monkeypatch.setattr(entries, "expected_fingerprints", lambda: EXPECTED)
    results_file = tmp_path / "run" / "results.json"
    results_file.parent.mkdir()
    results_file.write_text(json.dumps(full_results(smoke_results, EXPECTED)))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["leaderboard", "submit", str(results_file.parent), *SUBMIT_ARGS,
                                      "--name", "My Model v2", "--method", "D2-Align"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "leaderboard" / "entries" / "my-model-v2.json"
    entry = json.loads(written.read_text())
    assert entry["results"] == json.loads(results_file.read_text())
    assert entry["submission"] == {"name": "My Model v2", "model_id": "me/my-model", "revision": "abc123",
                                   "license": "apache-2.0", "contact": "me@example.org", "method": "D2-Align"}
    assert CliRunner().invoke(app, ["leaderboard", "validate", str(written)]).exit_code == 0
    # an entry given where results belong, or a results file with a bad field, is named, not wrapped
    again = CliRunner().invoke(app, ["leaderboard", "submit", str(written), *SUBMIT_ARGS, "-o", "x.json"])
    assert again.exit_code == 1 and "is not a results file" in again.output and not Path("x.json").exists()


def test_ranks_tie_when_intervals_overlap():
    cells = {"a": Cell(0.50, 0.45, 0.55), "b": Cell(0.52, 0.48, 0.56), "c": Cell(0.30, 0.28, 0.32), "d": Cell(0.6)}

    class FakeRow:
        def __init__(self, cell):
            self.scores = {k: Cell(None) for k in ("ids", "asc", "pvs")} | {"sdi": cell}
            self.entry = type("E", (), {"submission": type("S", (), {"name": "x"})})()

    rows = [FakeRow(c) for c in cells.values()]
    assign_ranks(rows)
    assert [cells[k].rank for k in "abcd"] == [2, 2, 4, 1]  # d's point beats a and b's intervals; c is last
    assert [cells[k].tied for k in "abcd"] == [True, True, False, False]


def test_tie_marker_appears_wherever_intervals_overlap_even_when_ranks_differ():
    """b overlaps both a and c while c is clearly better than a: a and c rank apart, yet each overlaps b."""
    cells = {"a": Cell(0.45, 0.40, 0.50), "b": Cell(0.53, 0.48, 0.58), "c": Cell(0.61, 0.56, 0.66), "d": Cell(0.9)}

    class FakeRow:
        def __init__(self, cell):
            self.scores = {k: Cell(None) for k in ("ids", "asc", "pvs")} | {"sdi": cell}
            self.entry = type("E", (), {"submission": type("S", (), {"name": "x"})})()

    assign_ranks([FakeRow(c) for c in cells.values()])
    assert [cells[k].rank for k in "abcd"] == [3, 2, 2, 1]
    assert [cells[k].tied for k in "abcd"] == [True, True, True, False]
    assert cell_text(cells["a"]).endswith("(#3=)") and cell_text(cells["d"]) == "0.900 (#1)"


def test_paper_rows_rank_as_points(tmp_path):
    rows = build_rows({p.stem: check_entry_file(p)[0] for p in entry_files(ENTRIES)})
    d2 = next(r for r in rows if r.entry.submission.name == "D2-Align")
    assert d2.scores["sdi"].rank == 1 and d2.scores["ids"].rank == 2 and d2.position in (1, 2)
    assert rows[-1].entry.submission.name == "Flow-GRPO"


@pytest.fixture
def board(tmp_path):
    folder = tmp_path / "leaderboard"
    shutil.copytree(ENTRIES, folder / "entries")
    (folder / "README.md").write_text(f"# intro\n\n{README_START}\nold\n{README_END}\n\nafter\n")
    evil = json.loads((ENTRIES / "srpo.json").read_text())
    evil["submission"].update(name=EVIL + " | pipe", model_id=EVIL, notes=EVIL, license=EVIL)
    (folder / "entries" / "evil.json").write_text(json.dumps(evil))
    return folder


def test_build_writes_page_and_readme_table_and_escapes(board):
    index, readme, count = build_leaderboard(board)
    assert count == 11
    html = index.read_text()
    assert EVIL not in html and "&lt;script&gt;console.error(&#39;pwned&#39;)&lt;/script&gt;" in html
    text = readme.read_text()
    assert text.startswith("# intro") and text.rstrip().endswith("after") and "old" not in text
    table = text.split(README_START)[1].split(README_END)[0].strip().splitlines()
    assert len(table) == 2 + 11 and all(line.count("|") == 8 for line in table)
    assert "<script>" not in text


def test_the_pareto_front_keeps_exactly_the_undominated_entries():
    points = [(0.31, 0.41), (0.36, 0.26), (0.343, 0.412), (0.30, 0.35), (0.343, 0.40), (0.36, 0.26)]
    # 0, 3 and 4 are beaten on both by 2; the two equal points (1, 5) do not dominate each other
    assert pareto_front(points) == [2, 1, 5]
    assert pareto_front([(0.31, 0.41), (0.31, 0.41)]) == [0, 1] and pareto_front([(1.0, 2.0)]) == [0]
    assert pareto_front([(0.1, 0.9), (0.2, 0.8), (0.3, 0.7)]) == [0, 1, 2]  # a pure trade-off: all on the front


def test_the_committed_board_plots_diversity_against_reward_with_the_front(tmp_path):
    rows = build_rows(load_valid_entries(REPO / "leaderboard" / "entries"))
    html = render_leaderboard(rows)
    assert 'id="trade-off-chart"' in html and "Pareto front" in html
    by_name = {r.entry.submission.name: r for r in rows}
    points = [(r.quality["hps-v2.1"], 1 - r.scores["ids"].value) for r in rows if r.quality.get("hps-v2.1")]
    names = [n for n, r in by_name.items() if r.quality.get("hps-v2.1")]
    on_front = {names[i] for i in pareto_front(points)}
    # Table 1 + 2: Flow-GRPO has the most reward, D2-Align (HPS+CLIP) the most identity diversity; FLUX.1-dev and
    # SRPO are beaten on both by D2-Align (HPS+CLIP) and so sit off the IDS front
    assert {"Flow-GRPO", "D2-Align (HPS+CLIP)"} <= on_front and not {"FLUX.1-dev", "SRPO"} & on_front
    few = render_leaderboard(rows[:1])
    assert 'id="trade-off-note"' in few and 'id="trade-off-chart"' not in few


def test_committed_page_and_readme_are_up_to_date(tmp_path):
    folder = tmp_path / "leaderboard"
    shutil.copytree(REPO / "leaderboard", folder)
    build_leaderboard(folder)
    assert (folder / "index.html").read_text() == (REPO / "leaderboard" / "index.html").read_text(), \
        "run `divgenbench leaderboard build`"
    assert (folder / "README.md").read_text() == (REPO / "leaderboard" / "README.md").read_text()


def test_leaderboard_page_in_headless_chromium(board, chromium):
    index, _, _ = build_leaderboard(board)
    rendered = chromium(index)
    assert rendered.console == [], rendered.console
    rows = re.findall(r'<tr id="entry-([a-z0-9-]+)" class="([a-z-]+)"', rendered.dom)
    assert len(rows) == 11 and all(kind == "paper-reported" for _, kind in rows)
    assert rendered.dom.count('<span class="badge paper">paper-reported</span>') == 11 + 1  # rows + the legend
    assert len(re.findall(r'class="badge rank"', rendered.dom)) == 44
    assert "&lt;script&gt;console.error('pwned')&lt;/script&gt;" in rendered.dom
    with Image.open(rendered.screenshot) as shot:
        assert np.asarray(shot.convert("L"), dtype=np.float64).std() > 10


def test_build_command_refuses_an_invalid_entry(board):
    (board / "entries" / "broken.json").write_text("{}")
    result = CliRunner().invoke(app, ["leaderboard", "build", "--dir", str(board)])
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception) and "broken.json" in str(result.exception)


def test_entry_model_round_trips():
    entry = Entry.model_validate_json((ENTRIES / "flux-1-dev.json").read_text())
    assert Entry.model_validate_json(entry.model_dump_json()) == entry


def paper_entry(**scores) -> dict:
    entry = json.loads((ENTRIES / "srpo.json").read_text())
    entry["reported"]["scores"].update(scores)
    return entry


@pytest.mark.parametrize("scores, quality, message", [
    ({"pvs": "0.5"}, {}, "Input should be a valid number"),
    ({"pvs": True}, {}, "Input should be a valid number"),
    ({"sdi": "yes"}, {}, "Input should be a valid number"),
    ({"asc": 1e308}, {}, "asc 1e+308 is outside"),
    ({"ids": -1e308}, {}, "ids -1e+308 is outside"),
    ({"sdi": 1.5}, {}, "sdi 1.5 is outside [0.0, 1.0]"),
    ({}, {"hps-v2.1": 31.0}, "hps-v2.1 31.0 is outside"),
    ({}, {"made-up": 1.0}, "unknown quality columns"),
])
def test_paper_numbers_are_strict_and_within_their_ranges(scores, quality, message):
    entry = paper_entry(**scores)
    entry["reported"]["quality"].update(quality)
    parsed, problems = check_entry_bytes("srpo", json.dumps(entry).encode())
    assert parsed is None and any(message in p.message for p in problems), problems


@pytest.mark.parametrize("text, message", [
    ('{"kind": "paper-reported", "x": ' + "9" * 5000 + "}", "5000 digits"),
    ('{"kind": "paper-reported", "x": 1e999}', "overflows a float"),
    ('{"kind": "paper-reported", "x": NaN}', "NaN is not a JSON number"),
    ('{"kind": "paper-reported", "x": -Infinity}', "-Infinity is not a JSON number"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_hostile_numbers_and_nesting_are_one_problem(text, message):
    parsed, problems = check_entry_bytes("hostile", text.encode())
    assert parsed is None and [p.path for p in problems] == ["(json)"] and message in problems[0].message


def test_leaderboard_validate_exits_1_without_traceback_on_hostile_files(tmp_path):
    files = {"digits.json": '{"a": ' + "9" * 5000 + "}", "deep.json": "[" * 100_000 + "]" * 100_000,
             "huge.json": " " * (MAX_ENTRY_BYTES + 10), "binary.json": "\udcff"}
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode("utf-8", "surrogateescape"))
    result = CliRunner().invoke(app, ["leaderboard", "validate", *map(str, sorted(tmp_path.iterdir()))])
    assert result.exit_code == 1, result.output
    assert result.output.count("✗") == 4 and "Traceback" not in result.output
