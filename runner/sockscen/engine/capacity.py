"""How many scenarios run at once: a fixed ``-j N``, or ``auto``, which follows the CPU.

A fixed count fits no suite: scenarios that wait (on a program starting, a
``sleep``, an ``expect_silence``) use no CPU, and a count small enough for
CPU-bound scenarios leaves the machine idle while they wait; a large one
makes CPU-bound scenarios miss their deadlines.  ``auto`` starts the usual
``default_jobs()`` at once, then, while scenarios wait to start, looks at
the CPU every ``TICK``: it doubles its limit while this process's event
loop and the CPU this run uses (the runner and the programs it started) both
have room, keeps it while as many of those programs as cores are runnable
(their CPU time has not added up yet), and lowers it by an eighth (never
below the floor) while either is busy.  A finished scenario's place is taken
at once whenever the limit allows.  The run's own CPU, not the machine's, is what counts (the
runner and every descendant of it), against the cores it may use (affinity,
container quota): other work on the machine neither holds a waiting suite
back to the floor nor lets a CPU-bound one take more than the cores.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable

import trio

from .options import cores

#: How often ``auto`` looks at the CPU while scenarios wait to start (a look reads
#: ``/proc/PID/stat`` of every running program: ~9 µs each).  Often enough to fill
#: the cores within a second for a suite that waits; CPU time alone would be too
#: coarse for that (each program's is counted in whole 10 ms ticks, and a program
#: takes a while to show its load), so runnable programs count as busy at once.
TICK = 0.05
#: A share of one core above which this process's event loop counts as busy.
LOOP_BUSY = 0.85
#: The share of the usable cores below which this run (runner and programs) has room.
#: Well under 1: a saturated run measures 0.9 to 1.1 (CPU time is counted in 10 ms
#: ticks), and a limit raised whenever noise dips under the mark climbs to the cap.
RUN_ROOM = 0.9
#: Scenarios at once under ``auto``, per core: bounds memory and descriptors.
CAP_PER_CORE = 64

_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _read(path: str | bytes) -> bytes:
    """A small ``/proc`` file (plain ``os`` calls: a look reads one per running program)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 65536)
    finally:
        os.close(fd)


#: The most programs (descendants included) a look reads: bounds a look's cost.
MAX_PROCESSES = 4096


def _children(pid: bytes) -> list[bytes]:
    """The running children of *pid*, whichever of its threads started them."""
    try:
        tasks = os.listdir(b"/proc/%s/task" % pid)
    except OSError:
        return []
    found: list[bytes] = []
    for tid in tasks:
        try:
            found += _read(b"/proc/%s/task/%s/children" % (pid, tid)).split()
        except OSError:
            continue
    return found


def _descendants() -> tuple[int, int]:
    """CPU ticks of this process's running (unreaped) descendants, and how many are runnable.

    Descendants, not just children: a ``shell: true`` command or a server
    that forks workers runs its CPU-bound work in grandchildren, whose time
    reaches the child's ``cutime`` only once they end.  Runnable (state R):
    a program starting or computing shows there at once, long before its CPU
    time adds up to a share of a look.
    """
    ticks = runnable = 0
    pending = _children(b"self")
    looked = 0
    while pending and looked < MAX_PROCESSES:
        pid = pending.pop()
        looked += 1
        try:
            raw = _read(b"/proc/%s/stat" % pid)
        except OSError:
            continue  # reaped meanwhile: its time is in its parent's cutime now
        # The state, then utime, stime, cutime, cstime (14th to 17th fields), after the ")".
        fields = raw[raw.rfind(b")") + 2 :].split()
        runnable += fields[0] == b"R"
        ticks += sum(map(int, fields[11:15]))
        pending += _children(pid)
    return ticks, runnable


def run_sample() -> tuple[float, int]:
    """CPU seconds used so far by this process and every program it started (and reaped),
    and how many of those programs are runnable right now."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    ticks, runnable = _descendants()
    return used + ticks / _HZ, runnable


def run_cpu_seconds() -> float:
    """CPU seconds used so far by this process and every program it started (and reaped)."""
    return run_sample()[0]


def usable_cores() -> float:
    """The CPUs this run may use: its affinity mask, cut to the cgroup's quota (a container)."""
    try:
        usable: float = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = cores()
    try:
        quota, period = _read("/sys/fs/cgroup/cpu.max").split()[:2]
        if quota != b"max":
            usable = min(usable, max(int(quota) / int(period), 0.1))
    except (OSError, ValueError):
        pass
    return usable


class CpuRoom:
    """Whether this process's loop and this run's CPU have room to spare, since the last look."""

    def __init__(self) -> None:
        self._wall = time.monotonic()
        self._own = time.process_time()
        self._run = run_sample()[0]
        self._cores = usable_cores()
        self._looking = 0.0

    def has_room(self) -> bool | None:
        """Since the last look: True when neither the loop nor the run's CPU was busy, False
        when either was; None (hold) when they were not but as many of the run's programs
        as cores are runnable right now (programs starting or computing, whose CPU time has
        not added up yet: a CPU-bound suite must not grow on that, nor a suite whose programs
        start in bursts shrink)."""
        wall, own = time.monotonic(), time.process_time()
        run, runnable = run_sample()
        elapsed = max(wall - self._wall, 1e-6)
        # The last look's own reading of /proc (up to ~40 ms with a thousand programs) is not
        # the loop being busy: left out, or the limit would come down for looking.
        busy = (own - self._own - self._looking) / elapsed >= LOOP_BUSY
        self._looking = time.process_time() - own
        busy = busy or (run - self._run) / (elapsed * self._cores) >= RUN_ROOM
        self._wall, self._own, self._run = wall, own, run
        if busy:
            return False
        return None if runnable >= self._cores else True


class AutoLimiter:
    """``-j auto``: the ``acquire_on_behalf_of``/``release_on_behalf_of`` of a
    ``trio.CapacityLimiter`` whose size follows the CPU (see the module docstring)."""

    def __init__(
        self, floor: int, cap: int | None = None, room: Callable[[], bool | None] | None = None
    ) -> None:
        self.floor = floor
        self.cap = max(floor, cap or CAP_PER_CORE * cores())
        #: Scenarios allowed at once now: from ``floor`` to ``cap``.
        self.limit = floor
        self.running = 0
        self._released = trio.Event()
        self._room = room
        self._next_look = 0.0

    async def acquire_on_behalf_of(self, token: object) -> None:
        """Wait until another scenario may start."""
        while self.running >= self.limit:
            now = trio.current_time()
            if now >= self._next_look:
                started = time.perf_counter()
                self._look()
                # A look reads /proc per running program: at most a tenth of the loop's time.
                self._next_look = now + max(TICK, 10 * (time.perf_counter() - started))
                if self.running < self.limit:
                    break
            with trio.move_on_at(self._next_look):
                await self._released.wait()
        self.running += 1

    def _look(self) -> None:
        """Double the limit when the CPU has room, lower it by an eighth when busy."""
        if self._room is None:  # first look now: a run within the floor never needs it
            self._room = CpuRoom().has_room
            return  # nothing measured yet
        room = self._room()
        if room:
            self.limit = min(self.cap, self.limit * 2)
        elif room is not None:
            self.limit = max(self.floor, self.limit - max(1, self.limit // 8))

    def release_on_behalf_of(self, token: object) -> None:
        """A scenario finished (or never started): wake whoever waits to start one."""
        self.running -= 1
        self._released.set()
        self._released = trio.Event()
