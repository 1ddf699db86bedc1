"""No traceback from user input: each bad input below is one line naming the problem and the fix, exit 2, and
nothing half-written is left behind (no temporaries; lock files gone once a run completes).

Runs go through ``divgenbench.cli.main`` in-process (the same error handler as the console script) with the
synthetic PVS-only generator and one prompt per dimension, so the whole file takes seconds.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys

import pytest

from divgenbench.cli import main
from divgenbench.prompts.bank import bundled_dir

EVAL = ("eval", "--model", "test-synthetic", "--limit", "1", "--resamples", "20", "-q", "--no-report")


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["divgenbench", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    return exited.value.code, capsys.readouterr().err


def assert_one_line(code: int, err: str, *fragments: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and "Traceback" not in err, err
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def no_temporaries(root) -> bool:
    return not [p for p in root.rglob("*") if p.name.startswith(".tmp-")]


@pytest.fixture
def bank(tmp_path):
    """A writable copy of the bundled prompt bank without its manifest (a custom bank)."""
    folder = tmp_path / "bank"
    shutil.copytree(bundled_dir(), folder)
    (folder / "manifest.json").unlink()
    return folder


@pytest.mark.parametrize("edit, fragments", [
    (lambda f: (f / "id.jsonl").write_text('["not", "an", "object"]\n'), ("id.jsonl line 1", "not an object")),
    (lambda f: (f / "manifest.json").write_text("[1, 2]"), ("manifest.json is a JSON list",)),
    (lambda f: (f / "layout.jsonl").write_text(json.dumps({
        "id": "layout-0001", "dimension": "layout", "text": "t", "template": "t", "attributes": {"count": 2}}) + "\n"),
     ("lacks attributes class",)),
    (lambda f: (f / "tonal.jsonl").write_text(json.dumps({
        "id": "../../x/tonal", "dimension": "tonal", "text": "t", "template": "t", "attributes": {"keyword": "k"}})
        + "\n"), ("is not a plain name",)),
    (lambda f: (f / "tonal.jsonl").write_text(json.dumps({
        "id": "id-0001", "dimension": "tonal", "text": "t", "template": "t", "attributes": {"keyword": "k"}})
        + "\n"), ("repeats prompt id 'id-0001'",)),
    (lambda f: (f / "style.jsonl").write_bytes(b"\xff\xfe\x00{"), ("not UTF-8",)),
])
def test_hostile_prompt_banks(bank, tmp_path, monkeypatch, capsys, edit, fragments):
    edit(bank)
    code, err = run_main(monkeypatch, capsys, *EVAL, "--prompts-source", str(bank), "-o", str(tmp_path / "run"))
    assert_one_line(code, err, *fragments)
    assert not (tmp_path / "x").exists() and not (tmp_path / "run" / "images").exists()


@pytest.mark.parametrize("manifest, fragments", [
    (b'[{"prompt_id": "id-0001", "k": 0, "file": "a.png"}]\n', ("lists no usable image",)),
    (b'{"prompt_id": "id-0001", "k": 0, "file": "\xff.png"}\n', ("is not UTF-8 text",)),
])
def test_hostile_folder_manifests(tmp_path, monkeypatch, capsys, manifest, fragments):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "manifest.jsonl").write_bytes(manifest)
    code, err = run_main(monkeypatch, capsys, "eval", "--model", "folder", "--model-args", f"path={tmp_path / 'mine'}",
                         "--limit", "1", "-q", "-o", str(tmp_path / "run"))
    assert_one_line(code, err, *fragments)


@pytest.fixture
def finished(make_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(make_run("varied", limit=1), run)
    return run


@pytest.mark.parametrize("target, fragments", [
    ("results.json", ("is not a folder",)),
    ("nowhere", ("is not a folder",)),
])
def test_score_on_something_that_is_not_a_run_folder(finished, monkeypatch, capsys, target, fragments):
    code, err = run_main(monkeypatch, capsys, "score", str(finished / target), "-q")
    assert_one_line(code, err, *fragments)


@pytest.mark.parametrize("output, fragments", [
    ("results.json", ("is not an .html file",)),
    ("samples.jsonl/r.html", ("cannot write the report",)),  # a file where a folder should be
    ("images", ("is not an .html file",)),
    ("x" * 300 + ".html", ("cannot write the report",)),  # a name too long for the file system
])
def test_bad_report_outputs(finished, monkeypatch, capsys, output, fragments):
    before = {p: p.read_bytes() for p in finished.rglob("*") if p.is_file()}
    code, err = run_main(monkeypatch, capsys, "report", str(finished), "-o", str(finished / output))
    assert_one_line(code, err, *fragments)
    assert {p: p.read_bytes() for p in finished.rglob("*") if p.is_file()} == before


def test_divgenbench_home_that_is_a_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "home").write_text("not a folder")
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path / "home"))
    code, err = run_main(monkeypatch, capsys, *EVAL, "-o", str(tmp_path / "run"))
    assert_one_line(code, err, "DIVGENBENCH_HOME", "is a file")


def failing_after(monkeypatch, calls: int, error: int, module=os) -> None:
    """``os.fsync`` (every atomic write ends with it) fails with ``error`` after ``calls`` successes."""
    real = os.fsync
    count = {"n": 0}

    def fsync(fd):
        count["n"] += 1
        if count["n"] > calls:
            raise OSError(error, os.strerror(error))
        return real(fd)

    monkeypatch.setattr(module, "fsync", fsync)


def test_read_only_divgenbench_home(tmp_path, monkeypatch, capsys):
    """The feature cache cannot be written (simulated: tests may run as root, where permissions do not bind)."""
    from divgenbench.extractors import cache

    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path / "home"))
    real = cache.atomic_write_bytes

    def read_only(path, data):
        if str(path).startswith(str(tmp_path / "home")):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, data)

    monkeypatch.setattr(cache, "atomic_write_bytes", read_only)
    code, err = run_main(monkeypatch, capsys, *EVAL, "-o", str(tmp_path / "run"))
    assert_one_line(code, err, "cannot write the feature cache", "DIVGENBENCH_HOME")


def test_disk_full_mid_run_leaves_nothing_half_written_and_resumes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path / "home"))
    with monkeypatch.context() as patch:
        failing_after(patch, 3, errno.ENOSPC)  # run.json, generator.json, one image: then the disk is full
        code, err = run_main(patch, capsys, *EVAL, "-o", str(tmp_path / "run"))
    assert_one_line(code, err, os.strerror(errno.ENOSPC), "free disk space")
    assert no_temporaries(tmp_path)
    assert len(list((tmp_path / "run" / "images").rglob("*.png"))) == 1
    code, err = run_main(monkeypatch, capsys, *EVAL, "-o", str(tmp_path / "run"))  # space freed: it resumes
    assert code == 0 or code is None, err
    assert json.loads((tmp_path / "run" / "results.json").read_text())["scores"]["pvs"]["status"] == "computed"
    assert not (tmp_path / "run" / "locks").exists()  # lock files are removed once the run completes
    assert no_temporaries(tmp_path)


def test_over_long_output_name(tmp_path, monkeypatch, capsys):
    code, err = run_main(monkeypatch, capsys, *EVAL, "-o", str(tmp_path / ("r" * 300)))
    assert_one_line(code, err, "is not writable", "--output")


def test_one_bounded_text_reader_for_every_jsonl_file_others_send(tmp_path, monkeypatch):
    """Manifests, prompt files, HPDv2 prompts and samples.jsonl go through ``strictjson.read_text``: an
    unreadable, non-UTF-8 or oversized file is one DataError naming it; samples.jsonl is bounded too now."""
    from divgenbench import strictjson
    from divgenbench.errors import DataError
    from divgenbench.rundir import RunDir
    from divgenbench.rundir.samples import read_samples

    path = tmp_path / "f.jsonl"
    with pytest.raises(DataError, match=f"cannot read manifest {path}"):
        strictjson.read_text(path, "manifest", fix="f", unreadable_fix="u")
    path.write_bytes(b"\xef\xbb\xbf{}\n")
    assert strictjson.read_text(path, "manifest", fix="f", encoding="utf-8-sig") == "{}\n"
    path.write_bytes(b"{\xff}\n")
    with pytest.raises(DataError, match="is not UTF-8 text \\(byte 1\\)"):
        strictjson.read_text(path, "manifest", fix="f")
    run = RunDir(tmp_path / "run")
    run.prepare()
    run.samples_path.write_text("{}\n" * 50)
    monkeypatch.setattr(strictjson, "MAX_JSON_BYTES", 100)
    with pytest.raises(DataError, match="samples file .* is over the 100-byte limit"):
        read_samples(run)
