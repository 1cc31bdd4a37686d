"""Stopping is not the scenario's work: ``stop.timeout`` bounds it, and a Ctrl-C hurries it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sockscen.results import Outcome
from tests.conftest import run_text
from tests.process.proctools import PYTHON, REPO, assert_nothing_left, wait_for

DEAF_SERVER = """
import os, signal, socket, sys
signal.signal(signal.SIGTERM, signal.SIG_IGN)
listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").write(str(os.getpid()))
while True:
    listener.accept()[0].close()
"""

SCENARIO = """
name: deaf server
timeout: {timeout}
servers:
  app:
    command: [{python}, {server}, "${{app.port}}", {pidfile}]
    listen: tcp://127.0.0.1:0
    stop: {{timeout: {stop}}}
clients:
  c:
    connect: ${{app.url}}
    steps:
      - sleep: {sleep}
"""


def _write(tmp_path: Path, timeout: str, stop: str, sleep: str) -> Path:
    server = tmp_path / "deaf.py"
    server.write_text(DEAF_SERVER)
    scenario = tmp_path / "deaf.yaml"
    scenario.write_text(
        SCENARIO.format(
            timeout=timeout,
            stop=stop,
            sleep=sleep,
            python=PYTHON,
            server=server,
            pidfile=tmp_path / "pid",
        )
    )
    return scenario


def test_a_slow_stop_does_not_count_as_the_scenario_timeout(tmp_path: Path) -> None:
    """Every actor finished in 0.1 s: a server deaf to SIGTERM must not make it 'timed out'."""
    scenario = _write(tmp_path, "1s", "1500ms", "100ms")
    result = run_text(scenario.read_text(), tmp_path)
    assert result.outcome is Outcome.PASSED, [f.message for f in result.failures]
    assert_nothing_left([int((tmp_path / "pid").read_text())])


def test_one_ctrl_c_shortens_a_long_stop(tmp_path: Path) -> None:
    scenario = _write(tmp_path, "60s", "60s", "50s")
    env = {**os.environ, "PYTHONPATH": str(REPO / "runner")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "run", str(scenario)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    try:
        wait_for(lambda: (tmp_path / "pid").exists(), 30, "the server to listen")
        wait_for(lambda: (tmp_path / "pid").read_text() != "", 5, "the server's pid")
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 130, (out.decode(), err.decode())
    assert took < 10, f"one Ctrl-C waited {took:.1f}s for a stop.timeout of 60s"
    assert_nothing_left([int((tmp_path / "pid").read_text())])
