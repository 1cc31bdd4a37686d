"""Ctrl-C during a scenario item: pytest stops as interrupted, and the scenario's programs stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.process.proctools import PYTHON, assert_vanished, wait_for

from .plugin_support import PLUGIN_ARGS, pythonpath

SERVER = """\
import os, socket, sys, time
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
time.sleep(100)
"""

SCENARIO = """\
name: sleepy
servers:
  app:
    command: [{python}, {server}, "${{app.port}}", {pidfile}]
    listen: tcp://127.0.0.1:0
clients:
  c:
    connect: ${{app.url}}
    steps:
      - sleep: 50s
"""


def _default_sigint() -> None:
    # A child of a shell job may inherit SIGINT ignored; Python then never raises KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_the_running_scenario_and_its_programs(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    server, pidfile = tmp_path / "server.py", tmp_path / "server.pid"
    server.write_text(SERVER)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "sleepy.yaml").write_text(
        SCENARIO.format(python=PYTHON, server=server, pidfile=pidfile)
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", *PLUGIN_ARGS, "-p", "no:cacheprovider", "scenarios"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": pythonpath()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_default_sigint,
    )
    try:
        wait_for(lambda: pidfile.exists() or proc.poll() is not None, 30, "the server to start")
        proc.send_signal(signal.SIGINT)
        out = proc.communicate(timeout=30)[0].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 2, out  # pytest's "interrupted"
    assert "KeyboardInterrupt" in out
    assert_vanished([int(pidfile.read_text())])
