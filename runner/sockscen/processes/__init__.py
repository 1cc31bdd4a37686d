"""Process servers and process clients: start, capture output, await readiness, stop groups.

Every program is started with ``start_new_session=True`` so it leads its own
process group (pgid == pid).  Signals always go to the whole group
(``os.killpg``): a ``sh -c`` wrapper, a forking daemon or a client that
started helpers all die together.  Whatever ends a scenario (pass, failure,
timeout, Ctrl-C, an exception) the group is killed and the leader reaped in a
shielded ``finally`` with its own bounded deadline.

The engine drives this package through ``start_server`` / ``ServerProcess``
and ``run_client``; failures of a process under test come back as values
(``ActorResult`` with a ``Failure``), problems building the world (a missing
command, a server that never became ready) as ``SetupError``.

Modules: ``commands`` (from a ``Command`` to argv/env/cwd), ``groups`` (the
``ProcessGroups`` object: what this runner started, orphan sweeps),
``proctable`` (reading ``/proc``), ``lifecycle`` (spawn, end a group),
``capture`` (bounded output tails), ``readiness`` (the probe table),
``server`` and ``client``.
"""

from __future__ import annotations

from ..wholecheck import CHECKED_OUTPUT_LIMIT, check_output
from .capture import (
    DRAIN_TIMEOUT,
    OUTPUT_TAIL_LIMIT,
    READY_LINE_LIMIT,
    TAIL_LINES,
    TRANSCRIPT_OUTPUT_LIMIT,
    Capture,
    LineWatch,
    OutputTail,
)
from .client import run_client
from .commands import PreparedCommand, ProcessContext, describe_status, expand_command
from .groups import GROUPS, TOKEN_VARIABLE, ProcessGroups
from .lifecycle import KILL_GRACE, hurry_stops, kill_remaining
from .proctable import group_members
from .readiness import PROBES, describe_ready, wait_connectable
from .server import ProcessStartError, ServerProcess, start_server


def adopt_orphans() -> bool:
    """Become the reaper of our programs' orphans (see ``ProcessGroups.adopt_orphans``)."""
    return GROUPS.adopt_orphans()


def sweep_adopted() -> list[int]:
    """Kill adopted orphans that provably came from an ended program (``ProcessGroups``)."""
    return GROUPS.sweep_adopted()


def sweep_escaped(token: str) -> list[int]:
    """SIGKILL processes that carry marker *token* (see ``ProcessGroups.sweep_escaped``)."""
    return GROUPS.sweep_escaped(token)


__all__ = [
    "CHECKED_OUTPUT_LIMIT",
    "DRAIN_TIMEOUT",
    "GROUPS",
    "KILL_GRACE",
    "OUTPUT_TAIL_LIMIT",
    "PROBES",
    "READY_LINE_LIMIT",
    "TAIL_LINES",
    "TOKEN_VARIABLE",
    "TRANSCRIPT_OUTPUT_LIMIT",
    "Capture",
    "LineWatch",
    "OutputTail",
    "PreparedCommand",
    "ProcessContext",
    "ProcessGroups",
    "ProcessStartError",
    "ServerProcess",
    "adopt_orphans",
    "check_output",
    "describe_ready",
    "describe_status",
    "expand_command",
    "group_members",
    "hurry_stops",
    "kill_remaining",
    "run_client",
    "start_server",
    "sweep_adopted",
    "sweep_escaped",
    "wait_connectable",
]
