"""The actor kinds the engine can run, each registered by its model class.

A new kind (a rule server, a proxy) is one module with a runner plus one
line here.  Servers are objects with the phases below; clients are plain
coroutine functions run once per copy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import trio

from ..model import (
    ProcessClient,
    ProcessServer,
    Proxy,
    RuleServer,
    ScriptedServer,
    SocketClient,
)
from ..placeholders import Ref
from ..results import Failure
from ..steps import Actor
from .context import ScenarioContext
from .process_client import run_process_client
from .process_server import ProcessServerRun
from .proxy import ProxyRun
from .rule_server import RuleServerRun
from .scripted_server import ScriptedServerRun
from .socket_client import run_socket_client


class ServerRun(Protocol):
    """One server of a running scenario, driven through the lifecycle's phases in order."""

    #: Servers start phase by phase (lowest first), concurrently within a phase.
    start_phase: int
    #: The step-running actors it started (one per connection), for reports and teardown.
    actors: list[Actor]

    def bind(self, lookup: Callable[[Ref], str]) -> None:
        """Settle the addresses and publish their placeholder values (``SetupError`` if not)."""

    async def start(self, nursery: trio.Nursery) -> None:
        """Start serving in *nursery* (``SetupError`` if it cannot)."""

    async def finish(self) -> None:
        """Every client is done: let the work in progress end."""

    def check_connections(self) -> Failure | None:
        """A failure when the connections that arrived are not what the scenario expects."""

    async def stop(self) -> None:
        """Stop (bounded, idempotent; called shielded)."""

    def close(self) -> None:
        """Release what is left (sockets)."""


ServerFactory = Callable[[Any, ScenarioContext], ServerRun]
ClientRunner = Callable[[ScenarioContext, Any, int | None], Awaitable[None]]

#: How to run each kind of server, by its model class.
SERVERS: dict[type, ServerFactory] = {
    ScriptedServer: ScriptedServerRun,
    ProcessServer: ProcessServerRun,
    RuleServer: RuleServerRun,
    Proxy: ProxyRun,
}

#: How to run one copy of each kind of client, by its model class.
CLIENTS: dict[type, ClientRunner] = {
    SocketClient: run_socket_client,
    ProcessClient: run_process_client,
}
