"""Start a program as the leader of a new process group, and end that whole group.

Signals always go to the whole group (``os.killpg``): a ``sh -c`` wrapper, a
forking daemon or a client that started helpers all die together.  Ending a
group is shielded from cancellation with its own bounded deadline, and reaps
the leader.
"""

from __future__ import annotations

import atexit
import math
import os
import signal
import subprocess
from collections.abc import Callable
from typing import ClassVar

import trio

from ..durations import format_duration
from ..errors import Location, SetupError
from . import proctable
from .child import SPAWNER, Child
from .commands import PreparedCommand, spawn_error
from .groups import GROUPS, TOKEN_VARIABLE

#: How long a SIGKILLed group gets to disappear and its leader to be reaped.
KILL_GRACE = 5.0


def kill_remaining() -> list[int]:
    """SIGKILL every process group started here and not seen gone; return their pgids.

    A last-resort safety net (registered with ``atexit``, and for a CLI's
    emergency exit path): normal paths stop every group themselves.
    """
    return GROUPS.kill_remaining()


atexit.register(kill_remaining)


async def spawn(prepared: PreparedCommand, label: str, location: Location, *, stdin: int) -> Child:
    """Start the program as the leader of a new process group; map OS errors to ``SetupError``."""
    if not os.path.isdir(prepared.cwd):
        raise SetupError(
            f"{label}: cannot start {prepared.display}: "
            f"the working directory {prepared.cwd} does not exist "
            "— check cwd (a relative cwd is relative to the scenario file's folder)",
            location,
        )
    GROUPS.sweep_dead_runners()
    token = GROUPS.new_token()
    env = {**os.environ, **prepared.env, TOKEN_VARIABLE: token}
    with GROUPS.spawning(token):
        try:
            proc = await SPAWNER.open(
                prepared.argv,
                stdin_pipe=stdin == subprocess.PIPE,
                cwd=prepared.cwd,
                env=env,
                # Known as ours at once: a stop elsewhere need not wonder whose child it is.
                forked=GROUPS.spawned.add,
            )
        except OSError as exc:
            raise SetupError(spawn_error(exc, prepared, label), location) from None
        # No checkpoint since the spawn: the group is registered before anything can cancel us.
        GROUPS.register(proc.pid, label, token)
    return proc


#: The most a stop still waits for a program once the run was interrupted (one Ctrl-C).
HURRIED_GRACE = 1.0


class _Hurry:
    """Whether the run was interrupted, and the grace periods now being waited out."""

    hurried: ClassVar[bool] = False
    waits: ClassVar[set[trio.CancelScope]] = set()


def hurry_stops(hurried: bool = True) -> None:
    """Cut every stop's grace period, now and later, to ``HURRIED_GRACE`` (False: reset).

    A program that ignores its stop signal would otherwise hold an
    interrupted run for its whole ``stop.timeout``.  Call from inside trio.
    """
    _Hurry.hurried = hurried
    if hurried:
        soon = trio.current_time() + HURRIED_GRACE
        for scope in _Hurry.waits:
            scope.deadline = min(scope.deadline, soon)


async def end_group(
    proc: Child,
    sig: int,
    grace: float,
    note: Callable[[str], None],
) -> bool:
    """Signal the group, wait up to *grace* seconds for it to go, then SIGKILL the rest.

    Shielded from cancellation with its own bounded deadline; reaps the
    leader.  Returns True when SIGKILL was needed.  The group id is the
    leader's pid; the kernel does not hand that number to a new process while
    the leader is unreaped or any member of its group lives, so the signal
    reaches only processes this run started.
    """
    pgid = proc.pid
    killed = False
    with trio.CancelScope(shield=True):
        if sig != signal.SIGKILL and (proc.returncode is None or proctable.group_alive(pgid)):
            proctable.killpg(pgid, sig)
            note(f"sent {signal.Signals(sig).name} to process group {pgid}")
            if _Hurry.hurried:
                grace = min(grace, HURRIED_GRACE)
            with trio.move_on_after(grace) as waiting:
                _Hurry.waits.add(waiting)
                try:
                    await proc.wait()
                    await proctable.wait_group_gone(pgid, math.inf)
                finally:
                    _Hurry.waits.discard(waiting)
        if proc.returncode is None or proctable.group_alive(pgid):
            # The leader ignored the signal, or children outlived it: nothing may survive.
            proctable.killpg(pgid, signal.SIGKILL)
            killed = True
            note(f"sent SIGKILL to process group {pgid}")
        deadline = trio.current_time() + KILL_GRACE
        with trio.move_on_at(deadline):
            await proc.wait()
        if proc.returncode is None:
            note(f"process {pgid} did not die within {format_duration(KILL_GRACE)} of SIGKILL")
            return killed
        gone = await proctable.wait_group_gone(pgid, deadline)
        if not gone:
            left = format_duration(KILL_GRACE)
            note(f"process group {pgid} still has members {left} after SIGKILL")
        token = GROUPS.ended_program(pgid, gone)
        escaped = GROUPS.sweep_after(token, gone)
        if escaped:
            pids = ", ".join(map(str, escaped))
            note(f"killed {len(escaped)} process(es) that had left the group: {pids}")
            if not await proctable.wait_dead(escaped, trio.current_time() + KILL_GRACE):
                still = ", ".join(map(str, proctable.running(escaped)))
                left = format_duration(KILL_GRACE)
                note(f"process(es) that had left the group still ran {left} after SIGKILL: {still}")
    return killed
