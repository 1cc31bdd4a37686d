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


def _runnable() -> tuple[int, int]:
    """(scenarios that run, mocks without clients that ``run`` and pytest leave out)."""
    scenarios = load_paths([EXAMPLES])
    mocks = sum(1 for s in scenarios if s.mock and not s.clients)
    return len(scenarios) - mocks, mocks


def test_sockscen_run_passes_every_example() -> None:
    """`sockscen run scenarios/` (the README's first command) is green, every scenario counted."""
    total, mocks = _runnable()
    done = subprocess.run(
        [sys.executable, "-m", "sockscen", "run", "-q", "scenarios"],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    mocks_text = f", {mocks} mock not run" if mocks == 1 else f", {mocks} mocks not run"
    summary = f"{total} passed, 0 failed{mocks_text if mocks else ''} in "
    assert done.stdout.strip().splitlines()[-1].startswith(summary)


def test_pytest_with_xdist_passes_every_example() -> None:
    """`pytest -n 2 scenarios/` collects one item per example scenario and passes them all.

    The example Python tests there (the ``sockscen_servers`` fixture's) pass too.
    """
    total = _runnable()[0] + sum(
        f.read_text().count("\ndef test_") for f in EXAMPLES.rglob("test_*.py")
    )
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
