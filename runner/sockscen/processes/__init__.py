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
``ProcessGroups`` object: what this runner started), ``orphans`` (the sweeps
for escapees, adopted orphans and abandoned work), ``proctable`` (reading
``/proc``), ``arming`` (how a program is armed to die with its runner),
``child`` (the spawner), ``lifecycle`` (spawn, end a group),
``server_verdict`` (a server's failure, if any),
``capture`` (bounded output tails), ``readiness`` (the probe table),
``server`` and ``client``.
"""

from __future__ import annotations

from ..wholecheck import check_output
from .capture import Capture, LineWatch, OutputTail
from .client import run_client
from .commands import ProcessContext, describe_status, expand_command
from .groups import GROUPS
from .lifecycle import hurry_stops, kill_remaining
from .readiness import describe_ready
from .server import ProcessStartError, ServerProcess, start_server


def adopt_orphans() -> bool:
    """Become the reaper of our programs' orphans (see ``ProcessGroups.adopt_orphans``)."""
    return GROUPS.adopt_orphans()


__all__ = [
    "Capture",
    "LineWatch",
    "OutputTail",
    "ProcessContext",
    "ProcessStartError",
    "ServerProcess",
    "adopt_orphans",
    "check_output",
    "describe_ready",
    "describe_status",
    "expand_command",
    "hurry_stops",
    "kill_remaining",
    "run_client",
    "start_server",
]
