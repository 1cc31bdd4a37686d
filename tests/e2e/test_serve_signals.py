"""``sockscen serve`` stopped by a signal while its servers are still starting.

Ctrl-C or SIGTERM before every server is ready must stop the start cleanly:
no traceback, an "interrupted" report and exit code, every program stopped
and every socket file removed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .cli_support import RUN_LIMIT, cli_env, sockscen

# A program that never gets ready (its ready line never comes), beside a Unix
# socket mock: the start hangs in the readiness wait until the signal comes.
SLOW_START = """\
name: slow start
mock: true
servers:
  mock:
    listen: unix:{sock}
    framing: line
    rules:
      - {{when: PING, reply: PONG}}
  app:
    command: "echo $$ > {marker}; exec sleep 60"
    shell: true
    ready: {{stdout: "never printed", timeout: 60s}}
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_a_signal_while_servers_start_stops_cleanly(
    tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    sock, marker = tmp_path / "mock.sock", tmp_path / "app.pid"
    (tmp_path / "mock.yaml").write_text(SLOW_START.format(sock=sock, marker=marker))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "serve", "mock.yaml"],
        cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (marker.exists() and marker.read_text().strip()):
            assert time.monotonic() < deadline, "the program never started"
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)  # polling a file the program writes: bounded by the deadline
        program = int(marker.read_text())
        assert sock.exists()  # the mock is bound: the start is under way
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=RUN_LIMIT)
    finally:
        proc.kill()
    assert proc.returncode == code, out + err
    assert "Traceback" not in out + err
    assert "0 passed, 0 failed, 1 skipped" in out
    assert "(interrupted)" in out
    assert not sock.exists()
    assert not _alive(program)


SERVING = """\
name: unix mock
mock: true
servers:
  mock:
    listen: unix:{sock}
    framing: line
    rules:
      - {{when: PING, reply: PONG}}
"""


def test_sighup_while_serving_stops_and_removes_the_socket_file(tmp_path: Path) -> None:
    """The terminal running ``serve`` closed: an orderly stop, as SIGTERM's."""
    sock, where = tmp_path / "mock.sock", tmp_path / "addresses.json"
    (tmp_path / "mock.yaml").write_text(SERVING.format(sock=sock))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "serve", "mock.yaml", "--addresses-json", str(where)],
        cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (where.exists() and where.read_text().endswith("\n")):
            assert time.monotonic() < deadline, "no addresses written"
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)  # polling a file another process writes: bounded by the deadline
        assert sock.exists()
        proc.send_signal(signal.SIGHUP)
        out, err = proc.communicate(timeout=RUN_LIMIT)
    finally:
        proc.kill()
    assert proc.returncode == 0, out + err
    assert "PASS  unix mock  mock.yaml:1" in out
    assert not sock.exists()


SLOW_READY = """\
name: slow ready
mock: true
servers:
  app:
    command: [python3, -c, "import time; time.sleep(1); print('ready', flush=True); time.sleep(60)"]
    ready: {stdout: "ready"}
"""


def test_duration_counts_from_when_serving_begins(tmp_path: Path) -> None:
    """A server slower to get ready than --duration is still served, then checked."""
    (tmp_path / "mock.yaml").write_text(SLOW_READY)
    done = sockscen("serve", "mock.yaml", "--duration", "0.3s", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "serving for 0.3s" in done.stdout
    assert "PASS  slow ready  mock.yaml:1" in done.stdout
