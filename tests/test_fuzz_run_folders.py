"""A fuzz of whole run folders (not only results files): whatever one file of a run someone sends you holds,
``validate``, ``report``, ``compare`` and ``score`` answer with an exit code (0, 1 or 2), never a traceback.

Each example copies a finished synthetic run, damages one of its files (cut, bit flip, noise, a hostile JSON
value at a random place, deletion, a folder in its place) and runs the four commands in-process through the
CLI's own error handler. [choice] 12 examples per CI run keep it near half a minute on two cores; a
longer offline campaign (300 folders, same damages) found no traceback after the fixes it drove.
"""

from __future__ import annotations

import json
import shutil
import sys

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from divgenbench.cli import main

HOSTILE_VALUES = [None, True, "0.5", -1, 10**30, 1e308, -1e308, [], {}, [[[[]]]], "", "../../../etc/passwd",
                  "/etc/passwd", "[/]x[link=https:evil][conceal]", "\udcff".encode("utf-8", "surrogateescape")
                  .decode("latin-1"), "x" * 5000, {"../x": 1}]
TARGETS = ["results.json", "samples.jsonl", "run.json", "generator.json", "features/photometric.json",
           "features/photometric.safetensors", "journal", "images/tonal"]


@pytest.fixture(scope="module")
def source_run(make_run):
    return make_run("varied", limit=2)


def json_paths(value, prefix=()):
    """Every (path) into a JSON value, for replacing one leaf or branch."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from json_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from json_paths(child, (*prefix, index))


def replaced(value, path, new):
    if not path:
        return new
    value[path[0]] = replaced(value[path[0]], path[1:], new)
    return value


def damage(target, data, run) -> None:
    """Apply one drawn damage to ``target`` (a file or, for folders, one file inside)."""
    if target.is_dir():
        files = sorted(p for p in target.rglob("*") if p.is_file())
        if not files:
            return
        target = files[data.draw(st.integers(0, len(files) - 1))]
    if not target.is_file():  # deleted by an earlier damage
        return
    kind = data.draw(st.sampled_from(["cut", "flip", "noise", "json", "delete", "folder"]))
    raw = target.read_bytes()
    if kind == "cut":
        target.write_bytes(raw[:data.draw(st.integers(0, len(raw)))])
    elif kind == "flip" and raw:
        at = data.draw(st.integers(0, len(raw) - 1))
        target.write_bytes(raw[:at] + bytes([raw[at] ^ (1 << data.draw(st.integers(0, 7)))]) + raw[at + 1:])
    elif kind == "noise":
        target.write_bytes(data.draw(st.binary(max_size=300)))
    elif kind == "json" and target.suffix in {".json", ".jsonl"}:
        try:
            lines = raw.decode("utf-8").splitlines() or ["{}"]
            row = data.draw(st.integers(0, len(lines) - 1))
            parsed = json.loads(lines[row])
        except ValueError:  # already damaged by an earlier draw
            return
        paths = list(json_paths(parsed))
        path = paths[data.draw(st.integers(0, len(paths) - 1))]
        lines[row] = json.dumps(replaced(parsed, path, data.draw(st.sampled_from(HOSTILE_VALUES))))
        target.write_text("\n".join(lines) + "\n")
    elif kind == "delete":
        target.unlink()
    elif kind == "folder":
        target.unlink()
        target.mkdir()


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["divgenbench", *args])
    try:
        main()
        code = 0
    except SystemExit as exited:
        code = exited.code if isinstance(exited.code, int) else 0
    out = capsys.readouterr()
    return code, out.out + out.err


@settings(max_examples=12, deadline=None, database=None, phases=[Phase.generate],  # no shrinking: slow on folders
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_run_folders_never_give_a_traceback(source_run, tmp_path_factory, monkeypatch, capsys, data):
    folder = tmp_path_factory.mktemp("fuzz")
    run = folder / "run"
    shutil.copytree(source_run, run)
    for _ in range(data.draw(st.integers(1, 2))):
        damage(run / data.draw(st.sampled_from(TARGETS)), data, run)
    for command in (["validate", str(run)], ["report", str(run), "-o", str(folder / "r.html")],
                    ["compare", str(run), str(source_run), "--resamples", "10"], ["score", str(run), "-q"]):
        code, output = run_cli(monkeypatch, capsys, *command)
        assert code in (0, 1, 2) and "Traceback" not in output, (command, output)
        if code == 2:
            assert output.strip().startswith("error:") and len(output.strip().splitlines()) == 1, (command, output)
