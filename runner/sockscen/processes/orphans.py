"""Finding and killing what outlived the programs we started: escapees, orphans, abandoned work.

Three sweeps, each a function of the process table and of what ``ProcessGroups``
knows: processes that carry a program's marker token after leaving its group
(``sweep_escaped``), adopted orphans that provably came from an ended program
(``kill_ended_orphans``), and marked processes whose runner no longer exists
(``kill_abandoned``).  Kept apart from the registry of groups so that each reads
as one job.
"""

from __future__ import annotations

import ctypes
import math
import os
from collections.abc import Collection, Mapping

from ..ports import pid_alive
from . import proctable

#: The environment variable that marks every process we start, and its descendants.
TOKEN_VARIABLE = "SOCKSCEN_PROCESS_TOKEN"
#: prctl option making this process the reaper of its descendants' orphans (Linux).
_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Ask the kernel to make orphans of our descendants our children; False where it cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def sweep_escaped(token: str) -> list[int]:
    """SIGKILL processes that carry *token* in their environment; return their pids.

    A program that daemonizes or calls ``setsid`` leaves its process group,
    so killing the group misses it; its environment still holds the marker
    every process we start inherits.  Only processes marked by this run are
    touched.
    """
    needle = f"{TOKEN_VARIABLE}={token}".encode()
    killed: list[int] = []
    for pid in proctable.pids() or ():
        if needle in proctable.environ(pid) and proctable.kill(pid):
            killed.append(pid)
    return killed


def kill_abandoned() -> list[int]:
    """SIGKILL marked processes whose runner no longer exists; return their pids.

    ``/proc/PID/environ`` is readable only for this user's processes, so
    nobody else's are looked at.
    """
    prefix = f"{TOKEN_VARIABLE}=".encode()
    killed: list[int] = []
    for pid in proctable.pids() or ():
        runner = _runner_of(proctable.environ(pid), prefix)
        abandoned = runner is not None and runner != os.getpid() and not pid_alive(runner)
        if abandoned and proctable.kill(pid):
            killed.append(pid)
    return killed


def kill_ended_orphans(
    spawned: Collection[int],
    tokens: Mapping[int, str],
    starts: Mapping[int, int],
    ended: Collection[int],
) -> list[int]:
    """SIGKILL (and reap) children of ours we did not start that came from an ended program.

    *spawned* are the pids we started, *tokens* the markers of programs still
    running (by leader), *starts* their start times, *ended* the leaders of
    programs that have ended.  See ``ProcessGroups.sweep_adopted`` for the rule.
    """
    killed: list[int] = []
    me = os.getpid()
    running = set(tokens)
    earliest = min((starts.get(p, 0) for p in running), default=math.inf)
    markers = {f"{TOKEN_VARIABLE}={token}".encode() for token in tokens.values()}
    for pid in proctable.pids() or ():
        if pid in spawned:
            continue
        stat = proctable.read_stat(pid)
        if stat is None or stat.ppid != me:
            continue
        from_ended = not stat.dead and _belongs_to_ended(
            pid, stat, running, ended, earliest, markers
        )
        if from_ended and proctable.kill(pid):
            killed.append(pid)
        if stat.dead or pid in killed:
            proctable.reap(pid)  # we adopted it: nobody else will
    return killed


def _belongs_to_ended(
    pid: int,
    stat: proctable.Stat,
    running: set[int],
    ended: Collection[int],
    earliest: float,
    markers: set[bytes],
) -> bool:
    if stat.pgid in running or stat.sid in running:
        return False
    if not markers.isdisjoint(proctable.environ(pid)):
        return False  # it carries the marker of a program of ours still running
    return stat.pgid in ended or stat.sid in ended or stat.start < earliest


def _runner_of(environ: list[bytes], prefix: bytes) -> int | None:
    """The runner pid in a process's marker, None when it carries none."""
    for entry in environ:
        if entry.startswith(prefix):
            runner, _, _ = entry[len(prefix) :].partition(b"-")
            return int(runner) if runner.isdigit() else None
    return None
