"""Ctrl-C and SIGTERM sent to ``sockscen run``: it cleans up, leaves no process, exits 130/143.

The scenario runs ``forking_server.py`` (children deaf to SIGTERM) and a
client that sleeps mid-scenario.  The test waits until the server has forked
a child for the client's connection (its pid file says so), signals the
sockscen process, and then checks every pid of the server's process group.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.process.proctools import PYTHON, REPO, SERVERS, assert_nothing_left, read_pids

SCENARIO = """
name: interrupted mid-scenario
timeout: 60s
servers:
  app:
    command: [{python}, {server}, "${{app.port}}", {pidfile}, "2"]
    listen: tcp://127.0.0.1:0
    stop: {{timeout: 500ms}}
clients:
  visitor:
    connect: ${{app.url}}
    steps:
      - expect: {{regex: "hello from \\\\d+\\n"}}
      - sleep: 50s
"""


def start_sockscen(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    pidfile = tmp_path / "pids.json"
    scenario = tmp_path / "interrupted.yaml"
    scenario.write_text(
        SCENARIO.format(python=PYTHON, server=SERVERS / "forking_server.py", pidfile=pidfile)
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "runner")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "run", str(scenario)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    return proc, pidfile


@pytest.mark.parametrize(
    ("sig", "codes"),
    [(signal.SIGINT, {130}), (signal.SIGTERM, {130, 143})],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_signal_stops_the_run_and_every_process(
    tmp_path: Path, sig: signal.Signals, codes: set[int]
) -> None:
    proc, pidfile = start_sockscen(tmp_path)
    try:
        # Leader, two helpers, the readiness probe's child, the visitor's child.
        pids = read_pids(pidfile, 5, timeout=30)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)

    assert proc.returncode in codes, (proc.returncode, out.decode(), err.decode())
    assert b"Traceback" not in err
    assert_nothing_left(pids, [pids[0]])
    # The server may have forked more children after we read the file.
    assert_nothing_left(json.loads(pidfile.read_text()), [pids[0]])
