"""Ctrl-C or SIGTERM while ``sockscen serve`` is still starting its servers: the start is
cancelled, its programs stop, and the exit code is the interrupted one, without a traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.process.proctools import PYTHON, assert_vanished, wait_for

from .cli_support import RUN_LIMIT, cli_env

# The program writes its pid, then never prints the line its `ready` waits for.
NEVER_READY = """\
name: never ready
mock: true
servers:
  slow:
    command:
      - {python}
      - -c
      - |
        import os, sys, time
        with open(sys.argv[1] + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(sys.argv[1] + ".tmp", sys.argv[1])
        time.sleep(100)
      - {pidfile}
    listen: tcp://127.0.0.1:0
    ready: {{stdout: "never printed", timeout: 60s}}
"""


def _default_sigint() -> None:
    # A child of a shell job may inherit SIGINT ignored; a terminal's Ctrl-C is not.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_the_servers_start_stops_them(
    tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    pidfile = tmp_path / "slow.pid"
    (tmp_path / "never.yaml").write_text(NEVER_READY.format(python=PYTHON, pidfile=pidfile))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "serve", "never.yaml"],
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    try:
        wait_for(lambda: pidfile.exists() or proc.poll() is not None, 30, "the program to start")
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=RUN_LIMIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)

    assert proc.returncode == code, out + err
    name = "Ctrl-C" if signum == signal.SIGINT else "SIGTERM"
    assert f"sockscen: interrupted by {name} while the servers were starting" in err
    assert "Traceback" not in out + err
    assert_vanished([int(pidfile.read_text())])
