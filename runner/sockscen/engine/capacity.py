"""How many scenarios run at once: a fixed ``-j N``, or ``auto``, which follows the CPU.

A fixed count fits no suite: scenarios that wait (on a program starting, a
``sleep``, an ``expect_silence``) use no CPU, and a count small enough for
CPU-bound scenarios leaves the machine idle while they wait; a large one
makes CPU-bound scenarios miss their deadlines.  ``auto`` starts the usual
``default_jobs()`` at once, then admits more for as long as both this
process's event loop and the machine's cores have room, sampled every
``TICK``; when either is busy, new scenarios wait for one to finish.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import trio

from .options import cores

#: How often ``auto`` looks at the CPU while scenarios wait to start.
TICK = 0.01
#: A share of one core above which this process's event loop counts as busy.
LOOP_BUSY = 0.85
#: The share of all cores above which the machine counts as busy.
MACHINE_BUSY = 0.90
#: Scenarios at once under ``auto``, per core: bounds memory and descriptors.
CAP_PER_CORE = 64


def _machine_busy_seconds() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine since boot; None off Linux."""
    try:
        with open("/proc/stat", "rb") as stat:
            fields = stat.readline().split()[1:]
    except OSError:
        return None
    ticks = [int(x) for x in fields[:8]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    total = sum(ticks)
    hz = os.sysconf("SC_CLK_TCK")
    return (total - idle) / hz, total / hz


class CpuRoom:
    """Whether this process's loop and the machine have CPU to spare, since the last look."""

    def __init__(self) -> None:
        self._wall = time.monotonic()
        self._own = time.process_time()
        self._machine = _machine_busy_seconds()
        self._room = True

    def has_room(self) -> bool:
        """True when, over the last ``TICK`` or more, neither the loop nor the cores were busy."""
        wall = time.monotonic()
        elapsed = wall - self._wall
        if elapsed < TICK:
            return self._room  # too short a window to say anything new
        own, machine = time.process_time(), _machine_busy_seconds()
        room = (own - self._own) / elapsed < LOOP_BUSY
        if machine is not None and self._machine is not None:
            total = machine[1] - self._machine[1]
            if total > 0:
                room = room and (machine[0] - self._machine[0]) / total < MACHINE_BUSY
        self._wall, self._own, self._machine, self._room = wall, own, machine, room
        return room


class AutoLimiter:
    """``-j auto``: the ``acquire_on_behalf_of``/``release_on_behalf_of`` of a
    ``trio.CapacityLimiter`` whose size follows the CPU (see the module docstring)."""

    def __init__(
        self, floor: int, cap: int | None = None, room: Callable[[], bool] | None = None
    ) -> None:
        self.floor = floor
        self.cap = max(floor, cap or CAP_PER_CORE * cores())
        self.running = 0
        self._released = trio.Event()
        self._room = room
        self._budget = 0

    async def acquire_on_behalf_of(self, token: object) -> None:
        """Wait until another scenario may start."""
        while self.running >= self.floor:
            if self.running < self.cap:
                if self._room is None:  # first look now: a run within the floor never needs it
                    self._room = CpuRoom().has_room
                if self._budget == 0 and self._room():
                    # Grow by a quarter of what runs: reaches the right level in a
                    # few ticks without overshooting by much.
                    self._budget = max(1, self.running // 4)
                if self._budget > 0:
                    self._budget -= 1
                    break
            with trio.move_on_after(TICK):
                await self._released.wait()
        self.running += 1

    def release_on_behalf_of(self, token: object) -> None:
        """A scenario finished (or never started): wake whoever waits to start one."""
        self.running -= 1
        self._released.set()
        self._released = trio.Event()
