"""Nothing outlives a SIGKILLed sockscen: its programs die with it, the next run clears the rest."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from sockscen.addresses import Address
from sockscen.ports import PortRegistry
from sockscen.processes import run_client
from sockscen.rundirs import clear_stale_dirs, make_private_dir
from tests.process.proctools import (
    PYTHON,
    REPO,
    assert_nothing_left,
    client,
    command,
    context,
    wait_for,
)

SERVER = """
import os, socket, sys, time
if os.fork() == 0:
    # A helper in the server's group: the kernel's death signal does not reach it.
    with open(sys.argv[2] + ".helper.part", "w") as f:
        f.write(str(os.getpid()))
    # Renamed once written: the test never reads a half-written file.
    os.rename(sys.argv[2] + ".helper.part", sys.argv[2] + ".helper")
    time.sleep(60)
    os._exit(0)
listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
with open(sys.argv[2] + ".part", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[2] + ".part", sys.argv[2])
while True:
    listener.accept()[0].sendall(b"hello\\n")
"""

SCENARIO = """
name: killed outright
timeout: 60s
servers:
  app:
    command: [{python}, {server}, "${{app.port}}", {pidfile}]
    listen: tcp://127.0.0.1:0
clients:
  visitor:
    connect: ${{app.url}}
    steps:
      - expect: "hello\\n"
      - sleep: {sleep}
"""


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def _sockscen(tmp_path: Path, name: str, sleep: str) -> subprocess.Popen[bytes]:
    pidfile = tmp_path / f"{name}.pid"
    server = tmp_path / "server.py"
    server.write_text(SERVER)
    scenario = tmp_path / f"{name}.yaml"
    scenario.write_text(SCENARIO.format(python=PYTHON, server=server, pidfile=pidfile, sleep=sleep))
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO / "runner"), "TMPDIR": str(tmpdir)}
    return subprocess.Popen(
        [sys.executable, "-m", "sockscen", "run", str(scenario)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )


def _wait_for_file(path: Path, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Return once *path* exists (the server writes it when listening); fail if the runner ends."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} did not appear within {timeout}s"
        time.sleep(0.02)


def test_a_sigkilled_runner_leaves_no_program_and_the_next_run_clears_its_lock(
    tmp_path: Path,
) -> None:
    runner = _sockscen(tmp_path, "first", "50s")
    try:
        _wait_for_file(tmp_path / "first.pid", runner)
        server_pid = int((tmp_path / "first.pid").read_text())
        exited = os.pidfd_open(server_pid)
        _wait_for_file(tmp_path / "first.pid.helper", runner)
        helper_pid = int((tmp_path / "first.pid.helper").read_text())
        helper_exited = os.pidfd_open(helper_pid)
        locks = tmp_path / "tmp" / f"sockscen-ports-{os.getuid()}"
        left_locks = sorted(os.listdir(locks))
        assert len(left_locks) == 1
        runner.send_signal(signal.SIGKILL)
        runner.communicate(timeout=10)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.communicate(timeout=10)
    # The kernel kills the server when its runner dies: readable once it has exited.
    gone = bool(select.select([exited], [], [], 10)[0])
    os.close(exited)
    assert_nothing_left([server_pid], [])
    assert gone
    assert sorted(os.listdir(locks)) == left_locks, "the dead runner's lock file is left"

    second = _sockscen(tmp_path, "second", "1ms")
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, out.decode() + err.decode()
    assert os.listdir(locks) == []
    # The helper carried the dead runner's marker: the next run stopped it.
    helper_gone = bool(select.select([helper_exited], [], [], 10)[0])
    os.close(helper_exited)
    assert_nothing_left([helper_pid], [])
    assert helper_gone


def test_a_lock_file_of_a_dead_runner_goes_at_the_first_reservation(tmp_path: Path) -> None:
    locks = tmp_path / "locks"
    locks.mkdir(mode=0o700)
    (locks / "20001").write_text(f"{_dead_pid()}\n")
    (locks / "20002").write_text(f"{os.getpid()}\n")  # alive: another runner's
    (locks / "notes").write_text(f"{_dead_pid()}\n")  # not a lock file

    registry = PortRegistry(str(locks))
    port = registry.reserve(Address("tcp", "127.0.0.1", 0)).port

    assert sorted(os.listdir(locks)) == sorted(["20002", "notes", str(port)])
    registry.release_all()


def test_private_dirs_of_dead_runners_are_cleared_and_nothing_else(tmp_path: Path) -> None:
    mine = Path(make_private_dir(str(tmp_path)))
    (mine / "app.sock").write_text("")
    dead = tmp_path / f"sks-{_dead_pid()}-abcd1234"
    dead.mkdir()
    (dead / "app.sock").write_text("")
    live = tmp_path / f"sks-{os.getppid()}-abcd1234"
    live.mkdir()
    other = tmp_path / "sks-k2j3h4g5"  # a name that does not say who made it
    other.mkdir()
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / f"sks-{_dead_pid()}-zzzz1234"
    link.symlink_to(target)

    removed = clear_stale_dirs(str(tmp_path))

    assert removed == [str(dead)]
    assert mine.name.startswith(f"sks-{os.getpid()}-")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [mine.name, live.name, other.name, target.name, link.name]
    )


PDEATHSIG = """
import ctypes, signal
value = ctypes.c_int()
ctypes.CDLL(None).prctl(2, ctypes.byref(value))  # PR_GET_PDEATHSIG
print(signal.Signals(value.value).name if value.value else "none")
"""


def test_every_program_is_armed_to_die_with_its_runner(tmp_path: Path) -> None:
    """The death signal survives exec: the program itself reads SIGKILL back."""
    result = trio.run(run_client, client(command(PYTHON, "-c", PDEATHSIG)), None, context(tmp_path))
    assert result.output is not None
    assert result.output.stdout == b"SIGKILL\n"


UNIX_SCENARIO = """
name: unix killed outright
timeout: 60s
servers:
  app:
    listen: unix:app.sock
    handle:
      - send: "hello\\n"
clients:
  visitor:
    connect: ${app.url}
    steps:
      - expect: "hello\\n"
      - sleep: {sleep}
"""


def _run_unix(tmp_path: Path, short: Path, sleep: str) -> subprocess.Popen[bytes]:
    scenario = tmp_path / f"unix-{sleep}.yaml"
    scenario.write_text(UNIX_SCENARIO.replace("{sleep}", sleep))
    env = {**os.environ, "PYTHONPATH": str(REPO / "runner"), "TMPDIR": str(short)}
    return subprocess.Popen(
        [sys.executable, "-m", "sockscen", "run", str(scenario)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A TMPDIR short enough for socket paths (pytest's tmp_path is too long: /tmp is used)."""
    path = Path(tempfile.mkdtemp(prefix="skst-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_the_next_run_removes_a_sigkilled_runners_dir_and_socket_file(
    tmp_path: Path, short_tmp: Path
) -> None:
    runner = _run_unix(tmp_path, short_tmp, "50s")
    try:
        dirs: list[Path] = []

        def socket_bound() -> bool:
            assert runner.poll() is None, runner.communicate()
            dirs[:] = [d for d in short_tmp.iterdir() if (d / "app.sock").exists()]
            return bool(dirs)

        wait_for(socket_bound, 30, "the server's socket file")
        assert dirs[0].name.startswith(f"sks-{runner.pid}-")
        runner.send_signal(signal.SIGKILL)
        runner.communicate(timeout=10)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.communicate(timeout=10)
    assert dirs[0].exists(), "nothing to clear: the test proves nothing"

    second = _run_unix(tmp_path, short_tmp, "1ms")
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, out.decode() + err.decode()
    assert not dirs[0].exists(), "the dead runner's temp dir and socket file are left"
    assert [p for p in short_tmp.iterdir() if p.name.startswith("sks-")] == []
