"""Proxies: relay each connection (or datagram sender) to the upstream, faulting either way.

A stream connection gets its own upstream connection; bytes are relayed as
they come, a half-close is passed on as a half-close and a reset as a reset,
in both directions.  A datagram sender gets its own upstream socket, and the
replies on it go back to that sender.  ``upstream_faults`` wrap the
upstream side (what clients send), ``downstream_faults`` the client side
(what comes back), with the same wrapper an actor's own ``faults:`` use.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import cast

import trio

from ..addresses import Address
from ..connection import Connection, ConnectionFaulted, StreamOps
from ..errors import SetupError
from ..model import Proxy
from ..placeholders import Ref
from ..results import EventKind, Failure
from ..steps import Actor
from ..transport import (
    DatagramSocket,
    StreamConnection,
    StreamListener,
    TransportError,
    bind,
    open_datagram,
    open_stream,
)
from .context import ScenarioContext
from .faulty import FaultyConnection, apply_faults
from .scripted_server import DatagramPeer, Senders

#: Called with (connection index, "upstream" or "downstream", bytes) for every relayed read.
Observer = Callable[[int, str, bytes], None]


class ProxyRun:
    """A running proxy: bound with the servers, started after them, before the clients."""

    #: After every server (an upstream program must be ready first).
    start_phase = 2

    def __init__(self, spec: Proxy, context: ScenarioContext) -> None:
        self.spec = spec
        self.context = context
        self.actors: list[Actor] = []
        self.endpoint: StreamListener | DatagramSocket | None = None
        self.upstream: Address | None = None
        self.observer: Observer | None = None
        self._nursery: trio.Nursery | None = None
        self._accept_scope = trio.CancelScope()

    def bind(self, lookup: Callable[[Ref], str]) -> None:
        """Bind ``listen``, settle ``upstream``, publish ``${NAME.url}`` and the rest."""
        spec, bindings = self.spec, self.context.bindings
        self.upstream = bindings.expand_address(spec.upstream, lookup, spec.upstream_location)
        address = bindings.expand_address(spec.listen.template, lookup, spec.listen.location)
        if address.is_stream != self.upstream.is_stream:
            raise SetupError(
                f"proxy '{spec.name}' cannot relay {address.scheme} to {self.upstream.scheme}",
                spec.upstream_location,
            )
        try:
            self.endpoint = bind(address)
        except TransportError as exc:
            raise SetupError(f"proxy '{spec.name}': {exc}", spec.listen.location) from exc
        bound = (
            self.endpoint.address
            if isinstance(self.endpoint, StreamListener)
            else self.endpoint.local
        )
        bindings.add_address_values(spec.name, None, bound)

    async def start(self, nursery: trio.Nursery) -> None:
        """Start relaying, in *nursery*."""
        await nursery.start(self.serve)

    async def serve(self, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Accept connections (or senders) and relay each, until the scenario ends."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started()
            with self._accept_scope:
                try:
                    if isinstance(self.endpoint, StreamListener):
                        await self.endpoint.serve(self._accepted)
                    elif self.endpoint is not None:
                        senders = Senders(self.endpoint, self._new_sender, self._failure)
                        await senders.receive()
                except TransportError as exc:
                    self._failure(str(exc))

    def _failure(self, message: str) -> None:
        spec = self.spec
        self.context.record_failure(
            Failure(actor=spec.name, role="server", message=message, location=spec.location)
        )

    def _new_actor(self, peer: Address) -> Actor:
        n = len(self.actors) + 1
        actor = Actor(
            self.context.state,
            label=f"{self.spec.name}#{n}",
            name=self.spec.name,
            role="server",
            framing=self.spec.framing,
            copy=n,
        )
        # A relay has no script to finish: one still running at the end is no failure.
        actor.finished = True
        self.actors.append(actor)
        actor.note("accepted", note=f"from {peer}")
        return actor

    def _accepted(self, conn: StreamConnection) -> None:
        assert self._nursery is not None
        self._nursery.start_soon(self._relay, conn, self._new_actor(conn.peer))

    def _new_sender(self, link: DatagramPeer) -> None:
        assert self._nursery is not None
        self._nursery.start_soon(self._relay, link, self._new_actor(link.peer))

    async def _relay(self, down: StreamConnection | DatagramPeer, actor: Actor) -> None:
        """Relay one connection (or sender) both ways until both directions have ended."""
        spec, n = self.spec, len(self.actors)
        assert self.upstream is not None
        identity = (spec.name, n)
        down_side = apply_faults(
            self.context,
            down,
            spec.downstream_faults,
            (*identity, "downstream"),
            _to(actor, "client"),
        )
        if isinstance(down_side, FaultyConnection) and down_side.plan.refuses():
            actor.note("note", note="refuse: reset at once")
            down.close() if isinstance(down, DatagramPeer) else down.abort()
            return
        up: StreamConnection | DatagramSocket | None = None
        try:
            up = await self._open_upstream()
            actor.note("connected", note=f"to upstream {self.upstream}")
            up_side = apply_faults(
                self.context,
                up,
                spec.upstream_faults,
                (*identity, "upstream"),
                _to(actor, "upstream"),
            )
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._pump, actor, n, down, up_side, "upstream")
                nursery.start_soon(self._pump, actor, n, up, down_side, "downstream")
        except TransportError as exc:
            actor.note("note", note=f"upstream: {exc}")
            if isinstance(down, StreamConnection):
                down.abort()  # the client sees the upstream's refusal as a reset
        finally:
            for conn in (down_side, up):
                if conn is not None:
                    conn.close()

    async def _open_upstream(self) -> StreamConnection | DatagramSocket:
        assert self.upstream is not None
        if self.upstream.is_stream:
            return await open_stream(self.upstream)
        local = self.context.bindings.client_socket_path() if self.upstream.is_unix else None
        return await open_datagram(self.upstream, local)

    async def _pump(
        self, actor: Actor, n: int, source: Connection, sink: Connection, direction: str
    ) -> None:
        """Relay *source* to *sink*; an end of stream goes on as a half-close, a reset as a reset."""
        side = "client" if direction == "upstream" else "upstream"
        observer, noted = self.observer, not isinstance(sink, FaultyConnection)
        try:
            while True:
                try:
                    data = await source.receive()
                except trio.ClosedResourceError:
                    return  # the other direction ended the connection
                except TransportError as exc:
                    actor.note("note", note=f"{side}: {exc}")
                    _reset(sink)
                    return
                if not data and source.is_stream:
                    actor.note("eof", note=f"from {side}")
                    await _shutdown(sink)
                    return
                if observer is not None:
                    observer(n, direction, data)
                await sink.send(data)
                if noted:
                    actor.note("sent", data, f"to {'upstream' if side == 'client' else 'client'}")
        except ConnectionFaulted:
            source.close()  # the fault cut this direction: the other side is closed, in order
        except (TransportError, trio.ClosedResourceError) as exc:
            actor.note("note", note=f"{direction}: {exc}")
            _reset(source)

    async def finish(self) -> None:
        """Clients are done: accept no more; relays in progress go on until the scenario ends."""
        self._accept_scope.cancel()

    def check_connections(self) -> Failure | None:
        """A failure when ``connections:`` is set and a different number arrived."""
        expected = self.spec.connections
        if expected is None or expected == len(self.actors):
            return None
        what = "connections" if isinstance(self.endpoint, StreamListener) else "senders"
        return Failure(
            actor=self.spec.name,
            role="server",
            message=f"expected {expected} {what} through proxy '{self.spec.name}', "
            f"{len(self.actors)} arrived",
            location=self.spec.connections_location or self.spec.location,
            expected_text=f"{expected} {what}",
            step_text=f"connections: {expected}",
        )

    async def stop(self) -> None:
        """Nothing runs outside the scenario's nursery: cancelling it stops the relays."""

    def close(self) -> None:
        """Close the listening (or datagram) socket."""
        if self.endpoint is not None:
            self.endpoint.close()


def _to(actor: Actor, side: str) -> Callable[[EventKind, bytes, str], None]:
    """The transcript note of one direction's fault wrapper."""

    def note(kind: EventKind, data: bytes, why: str) -> None:
        actor.note(kind, data, f"to {side}" + (f" ({why})" if why else ""))

    return note


def _reset(conn: Connection) -> None:
    if conn.is_stream:
        cast(StreamOps, conn).abort()
    else:
        conn.close()


async def _shutdown(conn: Connection) -> None:
    with contextlib.suppress(TransportError):
        await cast(StreamOps, conn).shutdown()
