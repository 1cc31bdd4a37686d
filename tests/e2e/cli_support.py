"""Scenario texts and a subprocess runner for the CLI end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[2] / "runner"

#: A CLI run never takes long in these tests; a hang is a failure, not a stuck suite.
RUN_LIMIT = 120.0


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a ``python -m sockscen`` child: the source tree importable,
    no colour and no CI detection unless a test asks for them."""
    outside = (
        "GITHUB_ACTIONS",
        "GITHUB_WORKSPACE",
        "GITHUB_STEP_SUMMARY",
        "FORCE_COLOR",
        "PY_COLORS",
    )
    env = {k: v for k, v in os.environ.items() if k not in outside}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(RUNNER), os.environ.get("PYTHONPATH")]))
    env["NO_COLOR"] = "1"
    env.pop("SOCKSCEN_DEBUG", None)
    env.update(extra or {})
    return env


def sockscen(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sockscen ARGS`` in *cwd* and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "sockscen", *args],
        cwd=cwd,
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
        check=False,
    )


# The server reads the question and then waits; the client's `expect` (line 13) gets no answer.
SILENT = """\
name: the server never answers
servers:
  mute:
    listen: tcp://127.0.0.1:0
    handle:
      - expect: "anyone there?"
      - expect_eof: {timeout: 60s}
clients:
  asker:
    connect: ${mute.url}
    steps:
      - send: "anyone there?"
      - expect: "yes"
"""

# A server that holds the scenario open for a long time: for interruption tests.
SLOW = """\
name: slow scenario
timeout: 5m
servers:
  sloth:
    listen: tcp://127.0.0.1:0
    handle:
      - expect_eof: {timeout: 5m}
clients:
  waiter:
    connect: ${sloth.url}
    steps:
      - expect: "an answer that never comes"
        timeout: 5m
"""
