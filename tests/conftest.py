"""Shared fixtures: an isolated cache home for every test session, and one tiny evaluation run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory) -> Path:
    """Keep DIVGENBENCH_HOME and the Hugging Face caches out of the user's home, and offline."""
    home = tmp_path_factory.mktemp("divgenbench-home")
    os.environ["DIVGENBENCH_HOME"] = str(home)
    os.environ["HF_HOME"] = str(home / "hf")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    return home


@pytest.fixture
def unpinned(monkeypatch):
    """``unpinned(*entries)``: the store entries without their sha256 for this test, so the real loaders can
    read tiny random-weight files written where the pinned (real) files would lie; ``resolve`` would refuse
    them otherwise, as it refuses any bytes the pin does not name."""
    import dataclasses

    from divgenbench import store

    def unpin(*entries: str) -> None:
        for entry in entries:
            monkeypatch.setitem(store.WEIGHTS, entry, dataclasses.replace(store.get_weight(entry), sha256=None))

    return unpin


# --- run directories for results, report, compare and leaderboard tests ------------------------------------------
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from divgenbench.extractors import EXTRACTOR_SETS  # noqa: E402
from divgenbench.generators import GENERATORS, Generator  # noqa: E402
from divgenbench.generators.args import ModelArgs  # noqa: E402

# A test-only extractor set with PVS alone: fast, and leaves IDS/ASC/SDI "not computed" on purpose.
EXTRACTOR_SETS.setdefault("test-photometric", {"photometric": "photometric"})


class SyntheticGenerator(Generator):
    """Images that are a pure function of the request seed (``mode=varied``) or one fixed image for every
    request (``mode=constant``), so runs differ by construction; smoke, scored with PVS only."""

    name = "test-synthetic"
    default_extractor_set = "test-photometric"
    smoke = True

    class Args(ModelArgs):
        mode: Literal["varied", "constant"] = "varied"

    def generate(self, requests):
        size = 64
        images = []
        for request in requests:
            rng = np.random.default_rng(0 if self.args.mode == "constant" else request.seed)
            canvas = np.zeros((size, size, 3)) + rng.uniform(0.05, 0.95, 3) * rng.uniform(0.2, 1.0)
            for _ in range(int(rng.integers(1, 5))):
                x0, y0 = rng.integers(0, size - 16, 2)
                w, h = rng.integers(8, 32, 2)
                canvas[y0:y0 + h, x0:x0 + w] = rng.uniform(0, 1, 3)
            images.append(Image.fromarray((np.clip(canvas, 0, 1) * 255).astype(np.uint8)))
        return images


if "test-synthetic" not in GENERATORS:
    GENERATORS.register("test-synthetic", SyntheticGenerator)


@pytest.fixture(scope="session")
def make_run(tmp_path_factory):
    """Build (once per session and arguments) a finished run of the synthetic generator; returns its folder."""
    from divgenbench.pipeline import EvalConfig, evaluate_and_write as evaluate

    built: dict[tuple, Path] = {}

    def build(mode: str = "varied", limit: int = 24, copy: int = 0) -> Path:
        key = (mode, limit, copy)
        if key not in built:
            out = tmp_path_factory.mktemp(f"run-{mode}-{limit}-{copy}") / "run"
            evaluate(EvalConfig(model="test-synthetic", model_args={"mode": mode}, output=out, limit=limit,
                                resamples=300))
            built[key] = out
        return built[key]

    return build


# --- headless Chromium for the HTML report and the leaderboard page ------------------------------------------------
import re  # noqa: E402
import subprocess  # noqa: E402
from dataclasses import dataclass  # noqa: E402

TEST_SCRIPT = REPO / "scripts" / "test"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr",
                  "--v=0", "--window-size=1280,2000")


@dataclass
class RenderedPage:
    dom: str
    console: list[str]  # every console message and uncaught error of the page (our pages log nothing)
    screenshot: Path


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """Render an HTML file in headless Chromium: the DOM after scripts ran, console messages, a screenshot.

    The browser is the one ``scripts/test`` (the README's test command) finds or installs: asking the script
    keeps one lookup, so these tests fail exactly where a user's run of that command would.
    """
    found = subprocess.run(["bash", str(TEST_SCRIPT), "--which-chromium"], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    binary = found.stdout.strip()

    def run(page: Path, *mode: str) -> subprocess.CompletedProcess:
        profile = tmp_path_factory.mktemp("chromium-profile")
        return subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *mode, page.resolve().as_uri()],
                              capture_output=True, text=True, timeout=120, cwd=profile)

    def render(page: Path) -> RenderedPage:
        screenshot = page.with_suffix(".png")
        shot = run(page, f"--screenshot={screenshot}")
        dumped = run(page, "--dump-dom")
        console = [line for out in (shot.stderr, dumped.stderr) for line in out.splitlines()
                   if re.search(r":CONSOLE[:(]", line)]
        assert screenshot.exists(), shot.stderr[-2000:]
        return RenderedPage(dumped.stdout, console, screenshot)

    return render
