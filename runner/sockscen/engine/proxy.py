"""Proxies: listen like a server, relay each connection (or datagram sender) to ``upstream``.

The relaying itself, with the faults of each direction, is ``relay.Relay``
for stream connections and ``datagram_relay.DatagramRelays`` for senders.
"""

from __future__ import annotations

from collections.abc import Callable

import trio

from ..addresses import Address
from ..errors import SetupError
from ..model import Proxy
from ..placeholders import Ref
from ..results import Failure
from ..steps import Actor
from ..transport import (
    DatagramSocket,
    StreamConnection,
    StreamListener,
    TransportError,
    bind,
)
from .context import ScenarioContext
from .datagram_relay import DatagramRelays
from .listening import (
    accept_until_cancelled,
    accepting_actor,
    connections_failure,
    record_server_failure,
)
from .relay import Ended, Observer, Relay, Unreachable


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
        #: Sees every relayed read (``sockscen record``).
        self.observer: Observer | None = None
        #: Told when one direction of a relayed stream ends (``sockscen record``).
        self.ended: Ended | None = None
        #: Told when a connection's (or sender's) upstream cannot be reached.
        self.unreachable: Unreachable | None = None
        #: Called when a relay has ended both ways.
        self.relay_done: Callable[[], None] | None = None
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
        if _same_place(bound, self.upstream):
            # Each relayed connection would connect to the proxy again: a storm of them.
            self.endpoint.close()
            raise SetupError(
                f"proxy '{spec.name}': its upstream {self.upstream} is its own listen address "
                f"{bound}: every connection would come back to it",
                spec.upstream_location,
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
            receive = None
            if isinstance(self.endpoint, DatagramSocket):
                assert self.upstream is not None
                senders = DatagramRelays(
                    self.context,
                    self.spec,
                    self.endpoint,
                    self.upstream,
                    self._new_actor,
                    self._failure,
                )
                senders.observer = self.observer
                senders.unreachable = self.unreachable

                async def receive() -> None:
                    await senders.receive(nursery)

            with self._accept_scope:
                await accept_until_cancelled(self.endpoint, self._accepted, receive, self._failure)

    def _failure(self, message: str) -> None:
        record_server_failure(self.context, self.spec, message)

    def _new_actor(self, peer: Address) -> Actor:
        n = len(self.actors) + 1
        return accepting_actor(
            self.context, self.spec, self.actors, n, peer, copy=n, setup=_relay_actor
        )

    def _accepted(self, conn: StreamConnection) -> None:
        assert self._nursery is not None
        self._nursery.start_soon(self._relay, conn, self._new_actor(conn.peer))

    async def _relay(self, down: StreamConnection, actor: Actor) -> None:
        assert self.upstream is not None
        relay = Relay(self.context, self.spec, self.upstream, actor, actor.result.copy or 0)
        relay.observer = self.observer
        relay.unreachable = self.unreachable
        relay.ended = self.ended
        await relay.run(down)
        if self.relay_done is not None:
            self.relay_done()

    async def finish(self) -> None:
        """Clients are done: accept no more; relays in progress go on until the scenario ends."""
        self._accept_scope.cancel()

    def check_connections(self) -> Failure | None:
        """A failure when ``connections:`` is set and a different number arrived."""
        via = f" through proxy '{self.spec.name}'"
        return connections_failure(self.spec, len(self.actors), self.endpoint, via=via)

    async def stop(self) -> None:
        """Nothing runs outside the scenario's nursery: cancelling it stops the relays."""

    def close(self) -> None:
        """Close the listening (or datagram) socket."""
        if self.endpoint is not None:
            self.endpoint.close()


#: Hosts a listener on the wildcard address answers at, besides its own (``localhost``
#: is IPv4 to sockscen: a host name gets an IPv4 socket).
_WILDCARDS = {"0.0.0.0": ("127.", "localhost"), "::": ("::1",)}


def _same_place(bound: Address, upstream: Address) -> bool:
    """Whether *upstream* reaches the proxy bound at *bound* (no name lookup: loopback names)."""
    if bound.scheme != upstream.scheme:
        return False
    if bound.is_unix:
        return bound.path == upstream.path
    if bound.port != upstream.port:
        return False
    host, listen = upstream.host, bound.host
    if host == listen or (host == "localhost" and listen == "127.0.0.1"):
        return True
    return host.startswith(_WILDCARDS.get(listen, ()))


def _relay_actor(actor: Actor) -> None:
    # A relay has no script to finish: one still running at the end is no failure.
    actor.finished = True
