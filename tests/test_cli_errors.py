"""Bad input exits non-zero with one clear line naming the problem and the fix (no traceback)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from divgenbench.prompts.bank import bundled_dir


def run_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "divgenbench", *args], capture_output=True, text=True,
                          timeout=600, cwd=cwd)


def assert_one_clear_line(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_unknown_model(tmp_path):
    result = run_cli("eval", "--model", "flux-devv", "-o", str(tmp_path / "run"), "-q")
    assert_one_clear_line(result, "unknown generator 'flux-devv'", "choose one of")


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_bad_limit(tmp_path, limit):
    result = run_cli("eval", "--limit", limit, "-o", str(tmp_path / "run"), "-q")
    assert_one_clear_line(result, "--limit must be a positive number", "pass e.g. --limit 4")


def test_unreadable_prompts_file(tmp_path):
    folder = tmp_path / "bank"
    shutil.copytree(bundled_dir(), folder)
    (folder / "layout.jsonl").write_bytes(b"\xff\xfe not json")
    result = run_cli("eval", "--prompts-source", str(folder), "-o", str(tmp_path / "run"), "-q")
    assert_one_clear_line(result, "layout.jsonl", "rebuild it")


def test_unwritable_output_dir(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run_cli("eval", "--limit", "1", "-o", str(blocker / "run"), "-q")
    assert_one_clear_line(result, "is not writable", "--output")


def test_bad_model_args():
    result = run_cli("eval", "--model-args", "checkpoint", "-q")
    assert_one_clear_line(result, "not key=value")
