"""The process groups this runner started, and what may be killed once a program has ended.

Every program leads its own process group (and session).  ``ProcessGroups``
remembers them from spawn to the moment they are seen gone, with the marker
token each carries in its environment, so that stopping a program can also
find the processes that left its group, and so that the last-resort
``kill_remaining`` (at exit, on a second Ctrl-C) stops everything still
running.  One instance per interpreter, ``GROUPS``: the kernel's process
table is per process too.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import secrets
from collections.abc import Iterator

from ..ports import pid_alive
from . import proctable

#: The environment variable that marks every process we start, and its descendants.
TOKEN_VARIABLE = "SOCKSCEN_PROCESS_TOKEN"
#: prctl option making this process the reaper of its descendants' orphans (Linux).
_PR_SET_CHILD_SUBREAPER = 36


class ProcessGroups:
    """The programs this process started: their groups, marker tokens and start times.

    ``spawning`` brackets every spawn: trio forks in a worker thread, so a new
    child exists (as our child) before its pid is known here, and no
    adopted-orphan sweep may run meanwhile.
    """

    def __init__(self) -> None:
        #: Process groups not yet known to be gone: pgid -> label.
        self.live: dict[int, str] = {}
        #: Marker tokens of the programs still running: leader pid -> token.
        self.tokens: dict[int, str] = {}
        #: Pids started here (our own children) and not yet seen reaped.
        self.spawned: set[int] = set()
        #: Start time (clock ticks after boot) of every running leader.
        self.starts: dict[int, int] = {}
        #: Leaders (= group and session ids) of programs that have ended.
        self.ended: set[int] = set()
        self.adopting = False
        self._spawning = 0
        self._swept_dead = False

    # -- spawning --------------------------------------------------------------

    @staticmethod
    def new_token() -> str:
        """A fresh marker for the next program's environment: ``RUNNERPID-RANDOM``.

        The runner's pid in it lets a later run prove a marked process
        abandoned (see ``sweep_dead_runners``).
        """
        return f"{os.getpid()}-{secrets.token_hex(8)}"

    def sweep_dead_runners(self) -> list[int]:
        """SIGKILL marked processes whose runner no longer exists; return their pids (once).

        A SIGKILLed runner's programs die with it (``PR_SET_PDEATHSIG``), but
        not their own children.  They still carry the marker, which names the
        runner: when no process has that pid any more, they are abandoned.
        ``/proc/PID/environ`` is readable only for this user's processes, so
        nobody else's are looked at.  Runs once per interpreter, before its
        first program starts.
        """
        if self._swept_dead:
            return []
        self._swept_dead = True
        prefix = f"{TOKEN_VARIABLE}=".encode()
        killed: list[int] = []
        for pid in proctable.pids() or ():
            runner = _runner_of(proctable.environ(pid), prefix)
            abandoned = runner is not None and runner != os.getpid() and not pid_alive(runner)
            if abandoned and proctable.kill(pid):
                killed.append(pid)
        return killed

    @contextlib.contextmanager
    def spawning(self) -> Iterator[None]:
        """No adopted-orphan sweep while a program is being forked."""
        self._spawning += 1
        try:
            yield
        finally:
            self._spawning -= 1

    def register(self, pid: int, label: str, token: str) -> None:
        """Remember a program just started as leader of group *pid*, marked with *token*."""
        self.live[pid] = label
        self.tokens[pid] = token
        self.spawned.add(pid)
        stat = proctable.read_stat(pid)
        self.starts[pid] = stat.start if stat is not None else 0

    def ended_program(self, pid: int, group_gone: bool) -> str | None:
        """Note that the leader *pid* has been reaped; return its marker token."""
        if group_gone:
            self.live.pop(pid, None)
        self.spawned.discard(pid)
        self.starts.pop(pid, None)
        self.ended.add(pid)
        return self.tokens.pop(pid, None)

    # -- orphans ---------------------------------------------------------------

    def adopt_orphans(self) -> bool:
        """Become a child subreaper, so orphans of the programs we start become our children.

        Some daemons overwrite their environment (to set a process title),
        which hides the marker ``sweep_escaped`` looks for; as our children
        they are still found by ``sweep_adopted``.  Meant for a process that
        starts no children of its own beside ours (the ``sockscen`` command);
        returns False where the kernel does not offer it.
        """
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
                return False
        except (OSError, AttributeError):
            return False
        self.adopting = True
        return True

    @staticmethod
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

    def sweep_after(self, token: str | None, gone: bool) -> list[int]:
        """``sweep_escaped`` and ``sweep_adopted`` once a program ended; return the pids killed.

        As a subreaper, every process that left the program's group (and
        outlived it) became our child when its parent died: with the group
        gone and no child of ours we did not start, nothing escaped, and the
        machine's process table need not be read (~2 ms per program with a
        hundred processes on the machine).
        """
        if self.adopting and gone and not self._spawning:
            children = proctable.own_children()
            if children is not None and children <= self.spawned:
                if not self.tokens:
                    self.ended.clear()  # as sweep_adopted does when nothing runs
                return []
        escaped = self.sweep_escaped(token) if token is not None else []
        return escaped + self.sweep_adopted()

    def sweep_adopted(self) -> list[int]:
        """SIGKILL (and reap) adopted orphans that provably came from an ended program.

        Only with ``adopt_orphans`` on: a child of ours that we did not start
        is an orphan of one of our programs.  It is killed only when it
        provably belonged to a program that has ended: it is still in that
        program's group or session, or it started before every program still
        running (a process cannot be a descendant of a program started after
        it).  Anything else may be a worker of a running server, even of
        another scenario, and is left for a later sweep.  Returns their pids.
        """
        killed: list[int] = []
        if not self.adopting or self._spawning:
            return killed
        me = os.getpid()
        running = set(self.tokens)
        earliest = min((self.starts.get(p, 0) for p in running), default=math.inf)
        for pid in proctable.pids() or ():
            if pid in self.spawned:
                continue
            stat = proctable.read_stat(pid)
            if stat is None or stat.ppid != me:
                continue
            ended = not stat.dead and self._belongs_to_ended(pid, stat, running, earliest)
            if ended and proctable.kill(pid):
                killed.append(pid)
            if stat.dead or pid in killed:
                proctable.reap(pid)  # we adopted it: nobody else will
        if not running:
            self.ended.clear()  # every orphan left from now on started before any new program
        return killed

    def _belongs_to_ended(
        self, pid: int, stat: proctable.Stat, running: set[int], earliest: float
    ) -> bool:
        if stat.pgid in running or stat.sid in running or self._marked_running(pid):
            return False
        return stat.pgid in self.ended or stat.sid in self.ended or stat.start < earliest

    def _marked_running(self, pid: int) -> bool:
        """True when *pid* carries the marker of a program of ours still running."""
        running = {f"{TOKEN_VARIABLE}={token}".encode() for token in self.tokens.values()}
        return not running.isdisjoint(proctable.environ(pid))

    # -- last resort -------------------------------------------------------------

    def kill_remaining(self) -> list[int]:
        """SIGKILL every group started and not seen gone, and their escapees; return the pgids.

        A last-resort safety net (registered with ``atexit``, and for a CLI's
        emergency exit path): normal paths stop every group themselves.
        """
        killed = []
        for pgid in list(self.live):
            if proctable.killpg(pgid, 9):
                killed.append(pgid)
            self.live.pop(pgid, None)
        for leader in list(self.tokens):
            self.sweep_escaped(self.tokens.pop(leader))
            self.starts.pop(leader, None)
        self.sweep_adopted()
        return killed


def _runner_of(environ: list[bytes], prefix: bytes) -> int | None:
    """The runner pid in a process's marker, None when it carries none."""
    for entry in environ:
        if entry.startswith(prefix):
            runner, _, _ = entry[len(prefix) :].partition(b"-")
            return int(runner) if runner.isdigit() else None
    return None


#: The groups of this interpreter.
GROUPS = ProcessGroups()
