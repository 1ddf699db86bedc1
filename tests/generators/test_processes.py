"""Several processes on one run: launcher ranks, job-array shards + merge, concurrent claims, SIGKILL."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from filelock import FileLock
from gen_helpers import cli, cli_env, comparable_results, eval_args, image_hashes, run_cli
from PIL import Image
from typer.testing import CliRunner

from divgenbench.cli import app
from divgenbench.errors import ConfigError
from divgenbench.generators import GENERATORS, GenerationSettings
from divgenbench.generators.runner import encode_png, generate_images, plan_requests
from divgenbench.prompts import load_prompts
from divgenbench.protocol import get_protocol
from divgenbench.rundir import RunDir, atomic_write_bytes

KILLS = 5


def journal_counts(run: Path) -> list[int]:
    return sorted(len(p.read_text().splitlines()) for p in (run / "journal").glob("*.jsonl"))


def test_two_launcher_ranks_make_the_images_and_results_of_one_process(reference_run, tmp_path):
    out = tmp_path / "ranks"
    done = run_cli([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                    *cli()[1:], *eval_args(out)[3:]])
    assert done.returncode == 0, done.stderr[-2000:]
    assert journal_counts(out) == [7, 7]  # each rank made its round-robin half
    assert image_hashes(out) == image_hashes(reference_run)
    assert comparable_results(out) == comparable_results(reference_run)


def test_shards_merged_score_like_one_process(reference_run, tmp_path):
    shards = [tmp_path / f"shard-{i}" for i in range(2)]
    procs = [subprocess.Popen(eval_args(s, "--shard", f"{i}/2", "--batch-size", str(i + 1)), env=cli_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, s in enumerate(shards)]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
    assert [sum(journal_counts(s)) for s in shards] == [7, 7]
    assert not any((s / "results.json").exists() for s in shards)  # a shard only generates

    runner = CliRunner()
    partial = runner.invoke(app, ["merge", str(shards[0]), "-o", str(tmp_path / "partial")])
    assert partial.exit_code == 1 and "7 missing" in partial.output

    merged = tmp_path / "merged"
    result = runner.invoke(app, ["merge", *map(str, shards), str(tmp_path / "partial"), "-o", str(merged)])
    assert result.exit_code == 0, result.output
    assert "7 identical duplicates" in result.output  # partial repeats shard 0's images
    assert f"score it with: divgenbench score {merged}" in result.output.replace("\n", "")
    scored = runner.invoke(app, ["score", str(merged), "--resamples", "50"])
    assert scored.exit_code == 0, scored.output
    assert image_hashes(merged) == image_hashes(reference_run)
    assert comparable_results(merged) == comparable_results(reference_run)


def test_merge_refuses_runs_of_different_settings(reference_run, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    identity = json.loads((reference_run / "run.json").read_text())
    (other / "run.json").write_text(json.dumps({**identity, "limit": 3}))
    result = CliRunner().invoke(app, ["merge", str(reference_run), str(other), "-o", str(tmp_path / "m")])
    assert isinstance(result.exception, ConfigError)  # the CLI's main() prints it as one line, exit 2
    assert "not shards of one run (limit differ)" in str(result.exception)


def test_claimed_images_are_left_to_a_live_claimant_and_taken_over_from_a_dead_one(tmp_path):
    requests = plan_requests(load_prompts("bundled"), get_protocol("divgenbench-v1"), limit=1)[:4]
    run = RunDir(tmp_path)
    run.prepare()
    generator = GENERATORS.get("tiny-flux")(GenerationSettings(batch_size=2))
    generator.load()
    marker = encode_png(Image.new("RGB", (2, 2), (255, 0, 0)))
    finished, abandoned = requests[0], requests[1]

    def other_process(request, write: bool) -> threading.Thread:
        """Holds the image's claim from another thread (filelock refuses two claims in one thread)."""
        claimed = threading.Event()

        def work():
            with FileLock(run.lock_path(request.prompt_id, request.k), is_singleton=False):
                claimed.set()
                time.sleep(1.0)
                if write:
                    atomic_write_bytes(run.image_path(request.dimension, request.prompt_id, request.k), marker)
        thread = threading.Thread(target=work)
        thread.start()
        claimed.wait()
        return thread

    threads = [other_process(finished, write=True), other_process(abandoned, write=False)]
    written = generate_images(generator, requests, run, batch_size=2)
    for thread in threads:
        thread.join()
    assert written == 3  # all but the one the live claimant finished; the dead claimant's image was made
    assert run.image_path(finished.dimension, finished.prompt_id, finished.k).read_bytes() == marker
    assert all(run.image_path(r.dimension, r.prompt_id, r.k).exists() for r in requests)


def _count(folder: Path, pattern: str) -> int:
    return sum(1 for p in folder.rglob(pattern) if not p.name.startswith(".tmp-")) if folder.exists() else 0


def _wait_until(proc: subprocess.Popen, condition, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_sigkill_at_random_points_resumes_to_the_images_of_an_uninterrupted_run(reference_run, tmp_path):
    """Each attempt is killed once generation runs, after 0-1 new images plus up to 50 ms
    (a point in the work, not in wall time, so the test does not depend on the machine's speed)."""
    rng = random.Random(20251230)
    out = tmp_path / "killed"
    reference = image_hashes(reference_run)
    kills = 0
    while kills < KILLS and _count(out / "images", "*.png") < len(reference):
        journals, images = _count(out / "journal", "*.jsonl"), _count(out / "images", "*.png")
        target = images + rng.randint(0, 1)
        proc = subprocess.Popen(eval_args(out, "--batch-size", "2"), env=cli_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _wait_until(proc, lambda: _count(out / "journal", "*.jsonl") > journals)
        _wait_until(proc, lambda: _count(out / "images", "*.png") >= target)
        time.sleep(rng.uniform(0.0, 0.05))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        partial = image_hashes(out)
        assert {path: reference[path] for path in partial} == partial  # never a wrong or half-written image
    assert kills == KILLS
    done = run_cli(eval_args(out))
    assert done.returncode == 0, done.stderr[-2000:]
    assert image_hashes(out) == reference
    assert comparable_results(out) == comparable_results(reference_run)
