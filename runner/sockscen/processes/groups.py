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
import os
import secrets
from collections.abc import Iterator

from . import proctable
from .orphans import TOKEN_VARIABLE, become_subreaper, kill_abandoned, kill_ended_orphans
from .orphans import sweep_escaped as _sweep_escaped

__all__ = ["GROUPS", "TOKEN_VARIABLE", "Forking", "ProcessGroups"]


class Forking:
    """The programs being forked right now: how many, and the marker tokens they carry."""

    def __init__(self) -> None:
        self.count = 0
        self._tokens: set[str] = set()

    @contextlib.contextmanager
    def bracket(self, token: str) -> Iterator[None]:
        """While the program marked *token* is being forked."""
        self.count += 1
        self._tokens.add(token)
        try:
            yield
        finally:
            self.count -= 1
            self._tokens.discard(token)

    def holds(self, pid: int) -> bool:
        """True when process *pid* carries the marker of a program being forked."""
        prefix = f"{TOKEN_VARIABLE}=".encode()
        for entry in proctable.environ(pid):
            if entry.startswith(prefix):
                return entry[len(prefix) :].decode(errors="replace") in self._tokens
        return False


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
        #: Programs being forked right now (not registered yet).
        self.forking = Forking()
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
        return kill_abandoned()

    def spawning(self, token: str) -> contextlib.AbstractContextManager[None]:
        """No adopted-orphan sweep while the program marked *token* is being forked."""
        return self.forking.bracket(token)

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
        if not become_subreaper():
            return False
        self.adopting = True
        return True

    #: SIGKILL processes that carry a marker token; their pids (``orphans.sweep_escaped``).
    sweep_escaped = staticmethod(_sweep_escaped)

    def sweep_after(self, token: str | None, gone: bool) -> list[int]:
        """``sweep_escaped`` and ``sweep_adopted`` once a program ended; return the pids killed.

        As a subreaper, every process that left the program's group (and
        outlived it) became our child when its parent died: with the group
        gone and no child of ours we did not start, nothing escaped, and the
        machine's process table need not be read (~2 ms per program with a
        hundred processes on the machine).  A child of ours not registered yet
        is fine when it carries the marker of a program being forked right now.
        """
        if self.adopting and gone:
            children = proctable.own_children()
            if children is not None and all(map(self.forking.holds, children - self.spawned)):
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
        if not self.adopting or self.forking.count:
            return []
        killed = kill_ended_orphans(self.spawned, self.tokens, self.starts, self.ended)
        if not self.tokens:
            self.ended.clear()  # every orphan left from now on started before any new program
        return killed

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


#: The groups of this interpreter.
GROUPS = ProcessGroups()
