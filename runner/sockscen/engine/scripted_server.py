"""Scripted servers: sockscen listens, and runs the ``handle`` steps for each connection.

A stream server runs one handler per accepted connection; a datagram server
one per sender, fed through a bounded queue by ``senders.Senders``.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable

import trio

from ..addresses import Address
from ..errors import SetupError
from ..model import ScriptedServer
from ..placeholders import Ref
from ..results import Failure
from ..steps import Actor
from ..transport import DatagramSocket, StreamConnection, StreamListener, TransportError, bind
from .context import ScenarioContext
from .faulty import FaultyConnection, apply_faults
from .listening import (
    accept_until_cancelled,
    accepting_actor,
    connections_failure,
    record_server_failure,
)
from .senders import DatagramPeer, Senders

#: Connections that passed kept for reports where they would pile up (failed ones are
#: kept apart): a rule server's, and any standing server's.
KEEP_PASSED = 32


def settle(
    context: ScenarioContext,
    actors: list[Actor],
    passed: deque[Actor],
    actor: Actor,
    *,
    forget: bool,
) -> None:
    """A handler finished: record its failure, and keep its actor for reports or not.

    A failed connection that the context no longer keeps (a standing server's,
    past its limit) is forgotten; with *forget*, so are passed ones beyond the
    last ``KEEP_PASSED``: a server up for days keeps bounded memory.  Counts
    come from ``accepted``, not from *actors*.
    """
    failure = actor.result.failure
    if failure is not None:
        if not context.connection_failed(failure):
            actors.remove(actor)
    elif forget:
        passed.append(actor)
        if len(passed) > KEEP_PASSED:
            actors.remove(passed.popleft())


def _senders(server: ScriptedServerRun, sock: DatagramSocket) -> Senders:
    """The senders of *server*; while it stands, one sender cannot end it.

    A sender whose handler ended (a request it failed) gets a new one for its
    next datagram, and datagrams piling up unread fail only the senders' side,
    as a failed connection does: serving goes on.
    """
    overflowed = _standing_failure(server) or server._server_failure
    standing = server.context.standing is not None

    def start(link: DatagramPeer) -> None:
        actor = server._new_actor(link, link.peer)
        if standing:
            link.end_idle = functools.partial(_end_idle, actor)
        server._spawn(actor)

    senders = Senders(sock, start, overflowed)
    senders.renew = standing
    return senders


def _end_idle(actor: Actor) -> bool:
    """End *actor*'s handler if it waits idle for the next request (as ``finish`` does)."""
    if actor.idle_scope is None:
        return False
    actor.idle_scope.cancel()
    return True


def _standing_failure(server: ScriptedServerRun) -> Callable[[str], None] | None:
    """While *server* stands: record a message as its failure without ending serving."""
    context, spec = server.context, server.spec
    if context.standing is None:
        return None

    def failed(message: str) -> None:
        failure = Failure(actor=spec.name, role="server", message=message, location=spec.location)
        context.connection_failed(failure)

    return failed


class ScriptedServerRun:
    """A scripted server: bound at setup, accepts connections (or senders), runs ``handle``."""

    #: Listens in-process: started before programs, which may connect to it at once.
    start_phase = 0
    numbered_copies = True  # each connection's actor has its number as copy (not a rule server's)

    def __init__(self, spec: ScriptedServer, context: ScenarioContext) -> None:
        self.spec = spec
        self.context = context
        self.actors: list[Actor] = []
        #: Connections (or senders) that arrived, forgotten ones included.
        self.accepted = 0
        self._passed: deque[Actor] = deque()
        self.senders: Senders | None = None
        self.active = 0
        self.closing = False
        self.idle_done = trio.Event()
        self.endpoint: StreamListener | DatagramSocket | None = None
        self._nursery: trio.Nursery | None = None
        self._accept_scope = trio.CancelScope()
        #: Shared by every handler of this server (one bound method, not one per connection).
        self._is_closing: Callable[[], bool] = self._closing_now

    def bind(self, lookup: Callable[[Ref], str]) -> None:
        """Bind the ``listen`` address and publish its values; a failure is a ``SetupError``."""
        spec, bindings = self.spec, self.context.bindings
        address = bindings.expand_address(spec.listen.template, lookup, spec.listen.location)
        try:
            self.endpoint = bind(address)
        except TransportError as exc:
            raise SetupError(f"server '{spec.name}': {exc}", spec.listen.location) from exc
        if isinstance(self.endpoint, StreamListener):
            bound = self.endpoint.address
        else:
            bound = self.endpoint.local
            self.senders = _senders(self, self.endpoint)
        bindings.add_address_values(spec.name, None, bound)

    async def start(self, nursery: trio.Nursery) -> None:
        """Start accepting, in *nursery*."""
        await nursery.start(self.serve)

    async def serve(self, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Accept connections (or datagrams) until ``finish``; each gets a handler task."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started()
            receive = self.senders.receive if self.senders is not None else None
            with self._accept_scope:
                await accept_until_cancelled(
                    self.endpoint,
                    self._accepted,
                    receive,
                    self._server_failure,
                    out_of_files=_standing_failure(self),
                )

    def _server_failure(self, message: str) -> None:
        record_server_failure(self.context, self.spec, message)

    def _new_actor(self, connection: StreamConnection | DatagramPeer, peer: Address) -> Actor:
        self.accepted += 1
        n = self.accepted
        actor = accepting_actor(
            self.context,
            self.spec,
            self.actors,
            n,
            peer,
            copy=n if self.numbered_copies else None,
            connection=connection,
            setup=self._setup_actor,
        )
        self._apply_faults(actor, connection, n)
        return actor

    def _setup_actor(self, actor: Actor) -> None:
        actor.closing = self._is_closing

    def _closing_now(self) -> bool:
        return self.closing

    def _apply_faults(
        self, actor: Actor, connection: StreamConnection | DatagramPeer, n: int
    ) -> None:
        if self.spec.faults:
            actor.conn = apply_faults(
                self.context, connection, self.spec.faults, (self.spec.name, n), actor.note
            )

    def _accepted(self, conn: StreamConnection) -> None:
        actor = self._new_actor(conn, conn.peer)
        if isinstance(actor.conn, FaultyConnection) and actor.conn.plan.refuses():
            # Counted as a connection that arrived; its handler never runs.
            actor.note("note", note="refuse: reset at once")
            conn.abort()
            actor.finished = True
            return
        self._spawn(actor)

    def _spawn(self, actor: Actor) -> None:
        # Counted here, not when the task starts, so finish() never misses a
        # handler that was started but has not run yet.
        assert self._nursery is not None
        self.active += 1
        self._nursery.start_soon(self._handle, actor)

    async def _handle(self, actor: Actor) -> None:
        try:
            await actor.run(self.spec.handle)
            standing = self.context.standing is not None
            settle(self.context, self.actors, self._passed, actor, forget=standing)
        finally:
            self.active -= 1
            if self.active == 0:
                self.idle_done.set()

    async def finish(self) -> None:
        """Every client is done: take what is still queued, end idle handlers, wait for the rest."""
        self.closing = True
        if isinstance(self.endpoint, StreamListener):
            try:
                pending = self.endpoint.accept_pending()
            except TransportError as exc:
                self._server_failure(str(exc))
                pending = []
            for conn in pending:
                self._accepted(conn)
        elif self.senders is not None:
            self.senders.drain()
        self._accept_scope.cancel()
        for actor in self.actors:
            if actor.idle_scope is not None:
                actor.idle_scope.cancel()
        if self.active:
            self.idle_done = trio.Event()
            await self.idle_done.wait()

    def check_connections(self) -> Failure | None:
        """A failure when ``connections:`` is set and a different number arrived."""
        return connections_failure(self.spec, self.accepted, self.endpoint)

    async def stop(self) -> None:
        """Nothing runs outside the scenario's nursery: cancelling it stops the handlers."""

    def close(self) -> None:
        """Close the listening (or datagram) socket."""
        if self.endpoint is not None:
            self.endpoint.close()
