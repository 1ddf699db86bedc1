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


@pytest.mark.slow
@pytest.mark.parametrize(("flags", "fragments"), [
    (("--extractors", "bogus"), ("unknown extractor set 'bogus'", "choose one of")),
    (("--reference", "nope"), ("no style reference named 'nope'", "reference info")),
    (("--device", "banana"), ("--device 'banana'", "cpu, cuda")),
    (("--guidance-scale", "nan"), ("--guidance-scale nan", "finite")),
    (("--model-args", "weights_seed=abc"), ("weights_seed=abc", "weights_seed (int")),
    (("--quality", "nope"), ("unknown quality 'nope'",)),
    (("--extractors", "default"), ("models download", "--generate-only")),  # real weights are not on disk
])
def test_user_errors_stop_before_any_image_and_the_corrected_command_runs(tmp_path, flags, fragments):
    """Issue 11 'done when': each exits 2 with one line, writes no image and no run.json, so the corrected
    command then runs in the same folder."""
    out = tmp_path / "run"
    assert_one_clear_line(run_cli("eval", "--limit", "1", "-q", "-o", str(out), "--no-report", *flags), *fragments)
    assert not list(out.rglob("*.png")) and not (out / "run.json").exists()
    fixed = run_cli("eval", "--limit", "1", "-q", "-o", str(out), "--no-report", "--resamples", "20")
    assert fixed.returncode == 0, fixed.stderr
    assert (out / "results.json").exists()


@pytest.mark.slow
def test_weights_that_fail_to_load_leave_no_run_json_and_the_corrected_command_runs(tmp_path):
    """A model whose weights are not there fails when it loads, after the plan: run.json is written only once
    the model has loaded, so fixing the model arguments in the same folder works."""
    out = tmp_path / "run"
    missing = run_cli("eval", "--model", "diffusers", "--model-args", f"pretrained={tmp_path / 'no' / 'such' / 'model'}",
                      "--limit", "1", "-q", "-o", str(out), "--generate-only")
    assert_one_clear_line(missing, "neither an existing folder nor a hub repo id")
    assert not (out / "run.json").exists() and not list(out.rglob("*.png"))
    fixed = run_cli("eval", "--limit", "1", "-q", "-o", str(out), "--generate-only")
    assert fixed.returncode == 0, fixed.stderr
    assert (out / "run.json").exists() and list(out.rglob("*.png"))


@pytest.mark.slow
def test_resuming_with_explicit_defaults_works_and_other_numerics_are_refused(tmp_path):
    out = str(tmp_path / "run")
    assert run_cli("eval", "--limit", "1", "-q", "-o", out, "--no-report", "--resamples", "20").returncode == 0
    explicit = run_cli("eval", "--limit", "1", "-q", "-o", out, "--no-report", "--resamples", "20",
                       "--dtype", "float64", "--num-inference-steps", "4", "--model-args", "weights_seed=0")
    assert explicit.returncode == 0, explicit.stderr
    assert_one_clear_line(run_cli("eval", "--limit", "1", "-q", "-o", out, "--dtype", "float32"),
                          "settings.dtype: 'float64' → 'float32'")
