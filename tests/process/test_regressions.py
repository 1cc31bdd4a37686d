"""Regressions found by trying sockscen against real programs (redis, socat, nginx...)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import trio

from sockscen.model import Ready
from sockscen.processes import start_server
from sockscen.reporting.failure import format_failure
from sockscen.results import Outcome, ScenarioResult
from tests.conftest import run_text
from tests.process.proctools import PYTHON, REPO, assert_nothing_left, command, context, server
from tests.process.test_process_servers import script


def run_one(text: str, directory: Path) -> ScenarioResult:
    return run_text(text, directory)


def test_a_fixed_port_in_use_is_a_setup_error_and_the_program_never_starts(
    tmp_path: Path,
) -> None:
    """Another listener on a fixed port would answer the clients: refuse before starting."""
    marker = tmp_path / "started"
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = run_one(
            f"""
name: squatted
servers:
  app:
    command: [{PYTHON}, -c, "open('{marker}', 'w')"]
    listen: tcp://127.0.0.1:{port}
clients:
  c:
    connect: ${{app.url}}
    steps:
      - send: hi
""",
            tmp_path,
        )
    assert result.outcome is Outcome.ERROR
    assert result.error == (
        f"server 'app': cannot listen on tcp://127.0.0.1:{port}: the address is already in use "
        "(use port 0 to let the runner pick one)"
    )
    assert result.error_location is not None
    assert result.error_location.line == 6
    assert not marker.exists()


def test_a_stale_unix_socket_file_is_named_as_such(tmp_path: Path) -> None:
    """A leftover socket file gets a hint about stale sockets, not about port 0."""
    stale = tmp_path / "stale.sock"
    with socket.socket(socket.AF_UNIX) as old:
        old.bind(str(stale))  # bound and closed without unlinking: a stale file
    result = run_one(
        f"""
name: stale
servers:
  s:
    listen: unix:{stale}
    handle:
      - send: hi
clients:
  c:
    connect: ${{s.url}}
    steps:
      - expect: hi
""",
        tmp_path,
    )
    assert result.outcome is Outcome.ERROR
    assert result.error is not None
    assert f"a file already exists at {stale} (a stale socket from an earlier run?)" in (
        result.error
    )


DAEMON = """
import os, sys, time
read_end, write_end = os.pipe()
if os.fork():
    os.read(read_end, 1)  # returns once the daemon has written its pid
    sys.exit(0)           # then the parent exits, like `--daemonize yes`
os.setsid()               # the daemon leaves the process group
open(sys.argv[1], 'w').write(str(os.getpid()))
os.write(write_end, b"x")
time.sleep(60)
"""


def test_a_daemonizing_server_gets_a_hint_and_its_daemon_is_killed(tmp_path: Path) -> None:
    """A server forking into the background leaves the group; it is found and killed anyway."""
    daemon_script = tmp_path / "daemon.py"
    daemon_script.write_text(DAEMON)
    pidfile = tmp_path / "daemon.pid"
    result = run_one(
        f"""
name: daemonizes
servers:
  app:
    command: [{PYTHON}, {daemon_script}, {pidfile}]
    listen: tcp://127.0.0.1:0
    ready: {{connect: true, timeout: 2s}}
clients:
  c:
    connect: ${{app.url}}
    steps:
      - send: hi
""",
        tmp_path,
    )
    assert result.outcome is Outcome.ERROR
    assert result.error is not None
    assert "exited before it was ready, with exit status 0" in result.error
    assert "did it daemonize or fork into the background?" in result.error
    assert pidfile.exists(), "the daemon did not get to write its pid"
    daemon = int(pidfile.read_text())
    assert_nothing_left([daemon], [])


def test_a_process_client_running_at_the_scenario_timeout_is_reported(tmp_path: Path) -> None:
    """The report names the client, shows what it printed, and says it was killed."""
    result = run_one(
        f"""
name: hangs
timeout: 1s
clients:
  slow:
    command: [{PYTHON}, -c, "import time; print('about to hang', flush=True); time.sleep(30)"]
""",
        tmp_path,
    )
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.actor == "slow"
    assert failure.role == "process-client"
    assert failure.message == (
        "the scenario timed out after 1s (timeout: in the scenario); "
        "the program was still running and was killed"
    )
    client = next(a for a in result.actors if a.actor == "slow")
    assert client.output is not None
    assert client.output.stdout == b"about to hang\n"
    assert client.output.stopped_by_runner
    text = format_failure(result)
    assert "about to hang" in text
    assert "still running when the scenario stopped: killed" in text


def test_a_crash_seen_only_at_stop_is_not_called_a_stop(tmp_path: Path) -> None:
    """A server that died by itself before stop() is an early exit, not 'stopped by sockscen'."""
    code = "import os, signal, time\nprint('up', flush=True)\ntime.sleep(0.2)\nos.abort()\n"
    spec = server(command(*script(code)), Ready("stdout", 5.0, pattern="up"))

    async def main() -> tuple[bool, bool, Outcome]:
        async with trio.open_nursery() as nursery:
            proc = await start_server(spec, nursery, context(tmp_path), [])
            with trio.fail_after(10):
                await proc.wait_exit()  # it crashed; the engine's watcher may not see this in time
            await proc.stop()
            result = proc.result(exited_early=proc.exited_by_itself)
            nursery.cancel_scope.cancel()
        assert result.output is not None
        return proc.exited_by_itself, result.output.stopped_by_runner, result.outcome

    by_itself, stopped_by_runner, outcome = trio.run(main)
    assert by_itself
    assert not stopped_by_runner
    assert outcome is Outcome.FAILED


def test_stop_of_a_server_that_keeps_running_is_a_stop(tmp_path: Path) -> None:
    """The usual case: a running server ended by the stop signal was stopped by sockscen."""
    code = "import time\nprint('up', flush=True)\ntime.sleep(60)\n"
    spec = server(command(*script(code)), Ready("stdout", 5.0, pattern="up"))

    async def main() -> bool:
        async with trio.open_nursery() as nursery:
            proc = await start_server(spec, nursery, context(tmp_path), [])
            await proc.stop()
            nursery.cancel_scope.cancel()
        return proc.exited_by_itself

    assert trio.run(main) is False


def test_a_server_that_logs_on_sigterm_exits_cleanly_and_its_words_are_kept(
    tmp_path: Path,
) -> None:
    """Output readers outlive the scenario's end until the server has stopped (no SIGPIPE)."""
    code = (
        "import signal, sys, time\n"
        "def bye(*_):\n"
        "    print('shutting down cleanly', flush=True)\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, bye)\n"
        "print('ready', flush=True)\n"
        "while True: time.sleep(1)\n"
    )
    result = run_one(
        f"""
name: logs on shutdown
servers:
  app:
    command: [{PYTHON}, -c, {code!r}]
    ready: {{stdout: ready}}
    expect_exit: 0
clients:
  c:
    command: [{PYTHON}, -c, "pass"]
""",
        tmp_path,
    )
    assert result.outcome is Outcome.PASSED, format_failure(result)
    (app,) = [output for actor, output in result.outputs if actor == "app"]
    assert app.stdout == b"ready\nshutting down cleanly\n"
    assert app.returncode == 0


def test_a_scenario_timing_out_before_any_client_is_reported_as_the_scenario(
    tmp_path: Path,
) -> None:
    """With no actor running, the timeout is the scenario's own: no made-up 'client'."""
    result = run_one(
        f"""
name: slow start
timeout: 300ms
servers:
  app:
    command: [{PYTHON}, -c, "import time; time.sleep(30)"]
    ready: {{delay: 5s}}
clients:
  c:
    command: [{PYTHON}, -c, "pass"]
""",
        tmp_path,
    )
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.role == "scenario"
    assert "  the scenario (" in format_failure(result)
    assert "the scenario timed out after 0.3s" in failure.message


SCRUBBED_DAEMON = """
import os, sys
read_end, write_end = os.pipe()
if os.fork():
    os.read(read_end, 1)   # returns once the daemon has written its pid
    sys.exit(0)
os.setsid()
open(sys.argv[1], 'w').write(str(os.getpid()))
os.write(write_end, b"x")
# Like redis setting its process title: nothing of the inherited environment is left.
os.execve(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)"], {})
"""


def test_the_cli_kills_a_daemon_that_scrubbed_its_environment(tmp_path: Path) -> None:
    """The sockscen command adopts orphans, so a daemon without our marker is found too."""
    daemon_script = tmp_path / "scrubbed.py"
    daemon_script.write_text(SCRUBBED_DAEMON)
    pidfile = tmp_path / "daemon.pid"
    (tmp_path / "s.yaml").write_text(
        f"""
name: daemon without environment
servers:
  app:
    command: [{PYTHON}, {daemon_script}, {pidfile}]
    listen: tcp://127.0.0.1:0
    ready: {{connect: true, timeout: 2s}}
clients:
  c:
    connect: ${{app.url}}
    steps:
      - send: hi
"""
    )
    done = subprocess.run(
        [sys.executable, "-m", "sockscen", "run", "s.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO / "runner")},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "did it daemonize" in done.stdout
    assert pidfile.exists()
    assert_nothing_left([int(pidfile.read_text())], [])
