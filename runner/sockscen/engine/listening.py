"""The accepting side shared by scripted servers, rule servers and proxies.

Each of them listens on one endpoint, gives every accepted connection (or
datagram sender) its own actor, and records a transport failure as the
server's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import trio

from ..addresses import Address
from ..connection import Connection
from ..model import Proxy, ScriptedServer
from ..results import Failure
from ..steps import Actor
from ..transport import (
    OUT_OF_FILES,
    DatagramSocket,
    StreamConnection,
    StreamListener,
    TransportError,
    caused_by,
)
from .context import ScenarioContext

#: Seconds a standing server waits, out of file descriptors, before it accepts again.
OUT_OF_FILES_PAUSE = 0.1


async def accept_until_cancelled(
    endpoint: StreamListener | DatagramSocket | None,
    accepted: Callable[[StreamConnection], None],
    receive_datagrams: Callable[[], Awaitable[None]] | None,
    failure: Callable[[str], None],
    *,
    out_of_files: Callable[[str], None] | None = None,
) -> None:
    """Accept connections (or receive datagrams) until cancelled; a transport error is a failure.

    With *out_of_files* (standing servers), running out of file descriptors
    is said to it once and accepting resumes after a pause, as a long-lived
    server does: the clients wait in the backlog until connections close.
    """
    said = False
    try:
        if isinstance(endpoint, StreamListener):
            while True:
                try:
                    await endpoint.serve(accepted)
                except TransportError as exc:
                    if out_of_files is None or not caused_by(exc, OUT_OF_FILES):
                        raise
                    if not said:
                        said = True
                        out_of_files(f"{exc}; accepting again as connections close")
                    await trio.sleep(OUT_OF_FILES_PAUSE)
        elif receive_datagrams is not None:
            await receive_datagrams()
    except TransportError as exc:
        failure(str(exc))


def record_server_failure(
    context: ScenarioContext, spec: ScriptedServer | Proxy, message: str
) -> None:
    """Record *message* as a failure of the listening server (or proxy) *spec*."""
    context.record_failure(
        Failure(actor=spec.name, role="server", message=message, location=spec.location)
    )


def accepting_actor(
    context: ScenarioContext,
    spec: ScriptedServer | Proxy,
    actors: list[Actor],
    n: int,
    peer: Address,
    *,
    copy: int | None = None,
    connection: Connection | None = None,
    setup: Callable[[Actor], None] | None = None,
) -> Actor:
    """The actor of connection (or sender) number *n* from *peer*, added to *actors*.

    *setup* adjusts the actor before it is listed and notes its arrival.
    """
    actor = Actor(
        context.state,
        label=f"{spec.name}#{n}",
        name=spec.name,
        role="server",
        framing=spec.framing,
        copy=copy,
        connection=connection,
    )
    if setup is not None:
        setup(actor)
    actors.append(actor)
    actor.note("accepted", note=f"from {peer}")
    return actor


def arrivals(endpoint: StreamListener | DatagramSocket | None) -> str:
    """What arrives at *endpoint*: ``connections`` on a stream, ``senders`` on datagrams."""
    return "connections" if isinstance(endpoint, StreamListener) else "senders"


def connections_failure(
    spec: ScriptedServer | Proxy,
    arrived: int,
    endpoint: StreamListener | DatagramSocket | None,
    *,
    via: str = "",
) -> Failure | None:
    """A failure when ``connections:`` is set and *arrived* differs (*via* names a proxy)."""
    expected = spec.connections
    if expected is None or expected == arrived:
        return None
    what = arrivals(endpoint)
    return Failure(
        actor=spec.name,
        role="server",
        message=f"expected {expected} {what}{via}, {arrived} arrived",
        location=spec.connections_location or spec.location,
        expected_text=f"{expected} {what}",
        step_text=f"connections: {expected}",
    )
