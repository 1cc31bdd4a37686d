"""``proctable.wait_dead``: a SIGKILLed process is waited for until it no longer runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import trio

from sockscen.processes import proctable


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def test_a_killed_process_is_dead_when_the_wait_returns_true() -> None:
    child = _sleeper()
    try:
        os.kill(child.pid, signal.SIGKILL)

        async def wait() -> bool:
            return await proctable.wait_dead([child.pid], trio.current_time() + 10)

        assert trio.run(wait) is True
        stat = proctable.read_stat(child.pid)
        assert stat is None or stat.dead  # a zombie until reaped below: dead, not running
    finally:
        child.kill()
        child.wait(10)


def test_a_process_still_running_at_the_deadline_is_reported() -> None:
    child = _sleeper()
    try:

        async def wait() -> bool:
            return await proctable.wait_dead([child.pid], trio.current_time() + 0.05)

        assert trio.run(wait) is False
    finally:
        child.kill()
        child.wait(10)


def test_pids_already_gone_need_no_wait() -> None:
    child = _sleeper()
    child.kill()
    child.wait(10)

    async def wait() -> bool:
        return await proctable.wait_dead([child.pid], trio.current_time())

    assert trio.run(wait) is True


def test_running_names_the_processes_that_still_run() -> None:
    """What the note after a late SIGKILL names: the survivors, not every process killed."""
    alive, gone = _sleeper(), _sleeper()
    try:
        gone.kill()
        gone.wait(10)
        assert proctable.running([alive.pid, gone.pid]) == [alive.pid]
    finally:
        alive.kill()
        alive.wait(10)
