"""The terminal tells the truth: 80-column tables that survive a pipe, skipped images by reason, an honest
interrupt message, the resume count and timings that add up across resumes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from divgenbench import cli
from divgenbench.cli.terminal import skipped_summary
from divgenbench.generators import GENERATORS
from divgenbench.results.models import SkippedImage
from divgenbench.rundir import RunDir

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = Path(__file__).parent / "snapshots"
WIDTH = 80


def piped(*args: str, cwd: Path) -> str:
    """``divgenbench ARGS`` (which must succeed) with stdout a pipe, as in ``divgenbench … | less`` (rich then assumes 80 columns)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("COLUMNS", None)
    done = subprocess.run([sys.executable, "-m", "divgenbench", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def assert_snapshot(name: str, text: str) -> None:
    """Compare with tests/snapshots/NAME (trailing blanks dropped); DIVGENBENCH_UPDATE_SNAPSHOTS=1 rewrites it."""
    lines = [line.rstrip() for line in text.splitlines()]
    assert max(len(line) for line in lines) <= WIDTH, "\n".join(lines)
    text = "\n".join(lines).strip("\n") + "\n"
    path = SNAPSHOTS / name
    if os.environ.get("DIVGENBENCH_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed; if on purpose, rerun with DIVGENBENCH_UPDATE_SNAPSHOTS=1"


def test_models_ls_at_80_columns_shows_model_args(tmp_path):
    text = piped("models", "ls", cwd=tmp_path)
    assert_snapshot("models_ls_80.txt", text)
    assert "flux-d2align" in text and "lora_scale" in text and "path, manifest" in text


def test_compare_at_80_columns(make_run, tmp_path):
    shutil.copytree(make_run("constant"), tmp_path / "constant")
    shutil.copytree(make_run("varied"), tmp_path / "varied")
    text = piped("compare", "constant", "varied", "--resamples", "200", cwd=tmp_path)
    assert_snapshot("compare_80.txt", text)


def test_models_check_at_80_columns_gives_each_entry_its_own_block(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "divgenbench", "models", "check", "arcface"], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert all(len(line) <= WIDTH for line in lines if not line.lstrip().startswith(("path", "weights in")))
    assert "✗ arcface-w600k-r50  missing" in lines
    assert any(line.split() == ["pinned", "4c06341c33c2ca1f86781dab0e829f88ad5b64be9fba56e56bc9ebdefc619e43"]
               for line in lines)


def test_skipped_images_are_summarised_by_reason(make_run):
    from divgenbench.results.io import load_results

    results = load_results(make_run("varied"))
    assert skipped_summary(results) is None
    skipped = [SkippedImage(key="id-0001_0", reason="no-face"), SkippedImage(key="id-0101_0", reason="no-face"),
               SkippedImage(key="tonal-0001_0", reason="missing"),
               SkippedImage(key="id-0001_0", reason="no-face")]  # two extractors, one image: counted once
    results.diagnostics.skipped_images = skipped
    assert skipped_summary(results).startswith("skipped 3 images: 2 no-face, 1 missing — ")


class InterruptedGenerator(GENERATORS.get("test-synthetic")):  # registered by conftest
    """The synthetic images, with Ctrl-C arriving while image number ``interrupt_at`` is made."""

    name = "test-interrupted"
    interrupt_at: int | None = None
    made = 0

    def generate(self, requests):
        images = []
        for request in requests:
            if type(self).made == type(self).interrupt_at:
                raise KeyboardInterrupt
            type(self).made += 1
            images.extend(super().generate([request]))
        return images


if "test-interrupted" not in GENERATORS:
    GENERATORS.register("test-interrupted", InterruptedGenerator)


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """``divgenbench ARGS`` through the real entry point (its error and interrupt handling included)."""
    monkeypatch.setattr(sys, "argv", ["divgenbench", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_ctrl_c_says_how_far_the_run_got_and_the_rerun_resumes(tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"
    args = ("eval", "--model", "test-interrupted", "--limit", "2", "--resamples", "50", "--no-report", "-o", str(run))
    monkeypatch.setattr(InterruptedGenerator, "interrupt_at", 5)
    monkeypatch.setattr(InterruptedGenerator, "made", 0)
    code, _, err = run_main(monkeypatch, capsys, *args)
    assert code == 130
    assert "interrupted: 5 of 14 images done; rerun the same command to resume" in " ".join(err.split())
    assert len(list((run / "images").rglob("*.png"))) == 5
    first = json.loads(RunDir(run).timings_path.read_text())
    assert first["generate_s"] > 0 and first["total_s"] >= first["generate_s"]

    monkeypatch.setattr(InterruptedGenerator, "interrupt_at", None)
    code, out, err = run_main(monkeypatch, capsys, *args, "--batch-size", "4")
    assert code in (0, None), err
    assert "resuming" in err and "5 of 14 images already done" in " ".join(err.split())
    assert InterruptedGenerator.made == 14  # the 9 missing images, not all 14 again
    timings = json.loads((run / "results.json").read_text())["timings"]
    assert timings["generate_s"] > first["generate_s"] and timings["total_s"] > first["total_s"]
    assert "DivGenBench" in out


def test_progress_counts_each_image_once_when_some_cannot_be_made(tmp_path):
    """A folder with missing images: the bar ends at the number of images, not 'attempts' (was 30/28)."""
    from divgenbench.generators import GenerationSettings
    from divgenbench.generators.folder import FolderGenerator
    from divgenbench.generators.runner import generate_images, plan_requests
    from divgenbench.prompts import load_prompts
    from divgenbench.protocol import get_protocol

    requests = plan_requests(load_prompts("bundled"), get_protocol("divgenbench-v1"), 2)
    folder = tmp_path / "mine"
    folder.mkdir()
    rows = []
    for request in requests[2:]:  # the first two images are missing
        Image.new("RGB", (16, 16), (request.k * 30, 0, 0)).save(folder / f"{request.prompt_id}_{request.k}.png")
        rows.append({"prompt_id": request.prompt_id, "k": request.k, "file": f"{request.prompt_id}_{request.k}.png"})
    (folder / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = RunDir(tmp_path / "run")
    run.prepare()
    counted = []
    written = generate_images(FolderGenerator(GenerationSettings(), {"path": str(folder)}), requests, run, 3,
                              counted.append)
    assert (written, sum(counted)) == (len(requests) - 2, len(requests))
