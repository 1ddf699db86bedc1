"""scripts/test, the README's test command: it brings Chromium (or says what to install), then runs pytest.

Each case runs the script with a PATH holding only stand-ins (``id``, ``apt-get``, ``python``) that record
what they were asked, so the install branch is exercised without touching the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


TEST_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "test"
BASH = shutil.which("bash")


def _stand_in(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!{BASH}\n{body}\n")
    path.chmod(0o755)


def _run(tmp_path: Path, uid: int, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("dirname", "chmod"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    _stand_in(bin_dir, "id", f"echo {uid}")
    # apt-get records its arguments; `install` puts a chromium on PATH, as Debian's package does
    _stand_in(bin_dir, "apt-get", f'echo "$@" >> {tmp_path}/apt.log; '
                                  f'if [[ "$1" == install ]]; then printf "#!{BASH}\\n" > {bin_dir}/chromium; '
                                  f'chmod +x {bin_dir}/chromium; fi')
    _stand_in(bin_dir, "python", f'echo "$@" > {tmp_path}/python.log')
    return subprocess.run([BASH, str(TEST_SCRIPT), *args], capture_output=True, text=True,
                          env={"PATH": str(bin_dir), **(env or {})}, timeout=60)


def test_root_without_chromium_installs_debian_package_then_runs_pytest(tmp_path):
    done = _run(tmp_path, uid=0)
    assert done.returncode == 0, done.stderr
    apt = (tmp_path / "apt.log").read_text().splitlines()
    assert apt[0].startswith("update") and apt[1].split()[:3] == ["install", "-y", "-qq"] and "chromium" in apt[1]
    assert (tmp_path / "python.log").read_text().split() == ["-m", "pytest", "-n", "2"]


def test_arguments_replace_the_default_pytest_options(tmp_path):
    done = _run(tmp_path, 0, "-m", "not slow")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "python.log").read_text().strip() == "-m pytest -m not slow"


def test_user_without_chromium_is_told_what_to_install_and_nothing_runs(tmp_path):
    done = _run(tmp_path, uid=1000)
    assert done.returncode == 1
    assert "sudo apt-get install -y chromium" in done.stderr and "DIVGENBENCH_CHROMIUM" in done.stderr
    assert not (tmp_path / "apt.log").exists() and not (tmp_path / "python.log").exists()


def test_which_chromium_honours_the_environment_variable(tmp_path):
    browser = tmp_path / "my-chrome"
    _stand_in(tmp_path, "my-chrome", "")
    done = _run(tmp_path, 1000, "--which-chromium", env={"DIVGENBENCH_CHROMIUM": str(browser)})
    assert (done.returncode, done.stdout.strip()) == (0, str(browser))
    (tmp_path / "second").mkdir()
    missing = _run(tmp_path / "second", 1000, "--which-chromium", env={"DIVGENBENCH_CHROMIUM": "/nowhere/chrome"})
    assert missing.returncode == 1 and "/nowhere/chrome is not an executable file" in missing.stderr


def test_ci_runs_the_readme_test_command():
    ci = (TEST_SCRIPT.parents[1] / ".ci" / "run").read_text()
    readme = (TEST_SCRIPT.parents[1] / "README.md").read_text()
    assert ci.rstrip().splitlines()[-1] == "scripts/test"
    assert "scripts/test\n" in readme and "apt-get" not in ci
    assert os.access(TEST_SCRIPT, os.X_OK)
