"""Every example in scenarios/ passes, through the CLI and the pytest plugin (with xdist)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sockscen.loader import load_paths

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "scenarios"


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "runner")}


def test_sockscen_run_passes_every_example() -> None:
    """`sockscen run scenarios/` (the README's first command) is green, every scenario counted."""
    total = len(load_paths([EXAMPLES]))
    done = subprocess.run(
        [sys.executable, "-m", "sockscen", "run", "-q", "scenarios"],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith(f"{total} passed, 0 failed in ")


def test_pytest_with_xdist_passes_every_example() -> None:
    """`pytest -n 2 scenarios/` collects one item per example scenario and passes them all."""
    total = len(load_paths([EXAMPLES]))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "sockscen.pytest_plugin",
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
            "-q",
            "scenarios",
        ],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{total} passed" in done.stdout.strip().splitlines()[-1]
