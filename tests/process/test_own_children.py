"""``proctable.own_children``: the kernel's list of this process's children, read cheaply."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from sockscen.processes import proctable
from sockscen.processes.groups import TOKEN_VARIABLE, ProcessGroups


@pytest.mark.skipif(proctable.own_children() is None, reason="kernel without children lists")
def test_a_child_started_here_is_listed_until_it_is_reaped() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        assert child.pid in (proctable.own_children() or set())
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(10)
    assert child.pid not in (proctable.own_children() or set())


@pytest.mark.skipif(proctable.own_children() is None, reason="kernel without children lists")
def test_a_subreaper_with_no_stranger_child_skips_the_process_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every escapee of an ended program would be our child: none, so no /proc scan."""
    groups = ProcessGroups()
    groups.adopting = True
    groups.spawned = set(proctable.own_children() or ())

    def scan() -> list[int]:
        raise AssertionError("the whole process table was read")

    monkeypatch.setattr(proctable, "pids", scan)
    assert groups.sweep_after("token", gone=True) == []
    # Not a subreaper, or the group not yet gone: the scan is the only way to know.
    groups.adopting = False
    with pytest.raises(AssertionError, match="process table"):
        groups.sweep_after("token", gone=True)


@pytest.mark.skipif(proctable.own_children() is None, reason="kernel without children lists")
def test_a_program_being_forked_needs_no_process_table_scan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A child not registered yet is no stranger when it carries a pending program's marker.

    With many scenarios at once some program is nearly always being forked:
    counting it as a stranger made a third of all stops read the whole table.
    """
    groups = ProcessGroups()
    groups.adopting = True
    groups.spawned = set(proctable.own_children() or ())
    scans: list[str] = []

    def scan() -> list[int]:
        scans.append("scan")
        return []

    monkeypatch.setattr(proctable, "pids", scan)
    token = groups.new_token()
    env = {**os.environ, TOKEN_VARIABLE: token}
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE, env=env
    )
    try:
        # Popen returns once exec closed its error pipe, a moment before the kernel
        # publishes the new environment (/proc/PID/environ reads empty meanwhile; the
        # code under test then scans, as it should when it cannot tell).
        deadline = time.monotonic() + 10
        while not any(e.startswith(TOKEN_VARIABLE.encode()) for e in proctable.environ(child.pid)):
            assert time.monotonic() < deadline, "the child's environment never showed"
            time.sleep(0.001)
        with groups.spawning(token):
            assert groups.sweep_after("ended", gone=True) == []
            assert scans == []
        # Once the spawn is over, an unregistered child is a stranger: it may have escaped.
        groups.sweep_after("ended", gone=True)
        assert scans != []
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(10)
