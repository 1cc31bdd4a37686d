"""What ``/proc`` says about processes: state, parent, group, session, start time, environment.

Read-only helpers plus ``killpg``; the decisions (what to kill) live in ``groups``.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Collection
from dataclasses import dataclass

import trio

#: Readiness-style polling of a group going away: first pause, growth factor, longest pause.
POLL_FIRST = 0.01
POLL_GROWTH = 1.5
POLL_MAX = 0.1


@dataclass(frozen=True)
class Stat:
    """The fields of ``/proc/PID/stat`` the sweeps need."""

    state: str
    ppid: int
    pgid: int
    sid: int
    #: Clock ticks after boot at which the process started.
    start: int

    @property
    def dead(self) -> bool:
        """A zombie (or dying) process: only its parent can reap it."""
        return self.state in ("Z", "X")


def read_stat(pid: int | str) -> Stat | None:
    """``/proc/PID/stat`` of *pid*, None when it is gone or unreadable."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields start after the last ')'.
    fields = raw[raw.rfind(b")") + 2 :].split()
    if len(fields) < 20:
        return None
    try:
        return Stat(
            fields[0].decode(), int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19])
        )
    except ValueError:
        return None


def pids() -> list[int] | None:
    """Every process id in ``/proc``, None when ``/proc`` is not available."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    if not os.path.exists("/proc/self/stat"):
        return None
    return [int(e) for e in entries if e.isdigit()]


def own_children() -> set[int] | None:
    """This process's children, from the kernel's per-thread lists; None where there are none.

    Reads a few small files instead of every process of the machine
    (``/proc/self/task/TID/children`` needs a kernel built with
    CONFIG_PROC_CHILDREN).
    """
    children: set[int] = set()
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/children", "rb") as f:
                children.update(int(p) for p in f.read().split())
    except FileNotFoundError:
        return None  # the kernel lacks the lists (a thread that just ended is rare: rescan)
    except OSError:
        return None
    return children


def environ(pid: int) -> list[bytes]:
    """The ``NAME=value`` entries of *pid*'s initial environment (empty when unreadable)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def group_members(pgid: int) -> list[int] | None:
    """Live (non-zombie) processes of process group *pgid*, read from ``/proc``.

    None when ``/proc`` is not available (then only ``killpg`` can tell).
    Zombies are left out: they are dead, and only their parent (or init)
    can reap them.
    """
    everyone = pids()
    if everyone is None:
        return None
    members = []
    for pid in everyone:
        stat = read_stat(pid)
        if stat is not None and stat.pgid == pgid and not stat.dead:
            members.append(pid)
    return members


def group_alive(pgid: int) -> bool:
    """True while process group *pgid* has a live member."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        # Not even a zombie is left: no need to read every process of the machine.
        return False
    members = group_members(pgid)
    # Without /proc, a zombie member counts as alive (only /proc tells them apart).
    return True if members is None else bool(members)


def killpg(pgid: int, sig: int) -> bool:
    """Signal the group; False when nothing is left in it (or it is not ours to signal)."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def kill(pid: int) -> bool:
    """SIGKILL *pid*; False when it is gone (or not ours to signal)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def reap(pid: int) -> None:
    """Collect *pid*'s exit status if it is our dead child (an adopted orphan)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def running(pids: Collection[int]) -> list[int]:
    """Those of *pids* that still run (neither gone nor a zombie)."""
    return [pid for pid in pids if (stat := read_stat(pid)) is not None and not stat.dead]


async def wait_dead(pids: Collection[int], deadline: float) -> bool:
    """Poll until every one of *pids* is dead (gone or a zombie) or *deadline* passes.

    SIGKILL is certain but not instant: a process killed on a busy machine
    still runs until it is next scheduled, and nothing may be seen running
    once we say it was stopped.
    """
    return await _poll_until(lambda: not running(pids), deadline)


async def wait_group_gone(pgid: int, deadline: float) -> bool:
    """Poll until group *pgid* has no live member or *deadline* passes; True when it is empty."""
    return await _poll_until(lambda: not group_alive(pgid), deadline)


async def _poll_until(done: Callable[[], bool], deadline: float) -> bool:
    """Whether *done()* came true by *deadline*, asked at growing intervals (/proc has no event)."""
    pause = POLL_FIRST
    while not done():
        if trio.current_time() >= deadline:
            return False
        await trio.sleep(min(pause, max(deadline - trio.current_time(), 0)))
        pause = min(pause * POLL_GROWTH, POLL_MAX)
    return True
