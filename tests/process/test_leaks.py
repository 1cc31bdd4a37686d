"""Nothing is left behind, whatever the outcome or the signal: a leak test per way a run ends.

Each case runs ``sockscen run`` with its own short TMPDIR (so the port lock
folder and the scenarios' private folders are the test's own) on a scenario
with a process server (which forks a helper) and a scripted server on a Unix
socket, then counts what is left: the processes it started (by the pids they
wrote), listening sockets on its port or under its TMPDIR, socket files,
lock files and private folders.  After a SIGKILL of the CLI the kernel ends
its programs and the next run clears the rest.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.process.proctools import PYTHON, REPO, assert_vanished, is_running, wait_for

SERVER = """
import json, os, socket, sys, time
port, pidfile = int(sys.argv[1]), sys.argv[2]
helper = os.fork()
if helper == 0:
    time.sleep(120)
    os._exit(0)
listener = socket.create_server(("127.0.0.1", port))
with open(pidfile + ".part", "w") as f:
    json.dump([os.getpid(), helper, port], f)
os.rename(pidfile + ".part", pidfile)
kept = []
while True:
    conn, _ = listener.accept()
    conn.sendall(b"hello\\n")
    kept.append(conn)
"""

SCENARIO = """
name: leak check
timeout: {timeout}
servers:
  app:
    command: [{python}, {server}, "${{app.port}}", {pidfile}]
    listen: tcp://127.0.0.1:0
    stop: {{timeout: 1s}}
  local:
    listen: unix:local.sock
    handle:
      - send: "hi\\n"
clients:
  u:
    connect: ${{local.url}}
    steps:
      - expect: "hi\\n"
  c:
    connect: ${{app.url}}
    steps:
      - expect: "hello\\n"
{steps}
"""

CASES = {
    # case: (scenario timeout, further steps of c, signal or None, exit codes)
    "pass": ("30s", "", None, {0}),
    "fail": ("30s", '      - expect: "goodbye\\n"', None, {1}),
    "step-timeout": ("30s", "      - expect: more\n        timeout: 300ms", None, {1}),
    "scenario-timeout": ("1s", "      - sleep: 30s", None, {1}),
    "SIGINT": ("60s", "      - sleep: 50s", signal.SIGINT, {130}),
    "SIGTERM": ("60s", "      - sleep: 50s", signal.SIGTERM, {130, 143}),
    "SIGKILL": ("60s", "      - sleep: 50s", signal.SIGKILL, {-9}),
}


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A TMPDIR short enough for Unix socket paths (pytest's own is too long)."""
    path = Path(tempfile.mkdtemp(prefix="sksl-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _start(tmp_path: Path, short: Path, case: str) -> tuple[subprocess.Popen[bytes], Path]:
    timeout, steps, _, _ = CASES[case]
    server = tmp_path / "server.py"
    server.write_text(SERVER)
    pidfile = tmp_path / f"{case}.pids"
    scenario = tmp_path / f"{case}.yaml"
    scenario.write_text(
        SCENARIO.format(timeout=timeout, steps=steps, python=PYTHON, server=server, pidfile=pidfile)
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "runner"), "TMPDIR": str(short)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "run", str(scenario)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    return proc, pidfile


def _listening_tcp(port: int) -> list[str]:
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                    found.append(line.strip())
    return found


def _unix_sockets_under(folder: Path) -> list[str]:
    with open("/proc/net/unix") as f:
        return [line.strip() for line in f if str(folder) in line]


def _leftovers(short: Path) -> list[str]:
    """Socket files, lock files and private folders under the test's TMPDIR."""
    left = []
    for root, dirs, files in os.walk(short):
        for name in dirs + files:
            path = Path(root, name)
            if path.is_dir() and path.name.startswith("sockscen-ports-"):
                continue  # the lock folder itself may stay; its files may not
            left.append(str(path.relative_to(short)))
    return left


@pytest.mark.parametrize("case", list(CASES))
def test_nothing_is_left_behind(tmp_path: Path, short_tmp: Path, case: str) -> None:
    sig, codes = CASES[case][2], CASES[case][3]
    proc, pidfile = _start(tmp_path, short_tmp, case)
    try:
        wait_for(lambda: pidfile.exists() or proc.poll() is not None, 30, "the server's pids")
        if sig is not None:
            wait_for(lambda: bool(_unix_sockets_under(short_tmp)), 10, "the scripted server")
            proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode in codes, (out.decode(), err.decode())
    assert b"Traceback" not in err
    server_pid, helper_pid, port = json.loads(pidfile.read_text())

    if sig is signal.SIGKILL:
        # The kernel ends the programs; the next run clears the folder, socket file and lock.
        wait_for(lambda: not is_running(server_pid), 10, "the death signal to end the server")
        again, _ = _start(tmp_path, short_tmp, "pass")
        out, err = again.communicate(timeout=60)
        assert again.returncode == 0, (out.decode(), err.decode())

    # A SIGKILL takes effect a moment after it is sent.
    wait_for(lambda: not (is_running(server_pid) or is_running(helper_pid)), 10, "every program")
    assert_vanished([server_pid, helper_pid])
    assert _listening_tcp(port) == []
    assert _unix_sockets_under(short_tmp) == []
    assert _leftovers(short_tmp) == []
