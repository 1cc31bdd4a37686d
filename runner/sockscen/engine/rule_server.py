"""Rule servers: a scripted server that answers each request by the first rule matching it.

Each connection (or datagram sender) runs the server's ``handle`` steps,
then serves requests until the peer is done: cut a request (a frame, a
datagram, or on an unframed stream what ``rules.decide_stream`` decides),
pick the rule, answer with its next reply or its steps, move to its
``goto`` state.  A long-lived server keeps bounded memory: a short
transcript per connection, and only the last connections that passed.
"""

from __future__ import annotations

from collections import deque

import trio

from ..addresses import Address
from ..connection import Connection, ResetByPeer
from ..model import Rule, RuleServer
from ..results import Failure
from ..rules import Decision, RuleScope, decide_frame, decide_stream, near_miss
from ..steps import Actor
from ..transport import StreamConnection, StreamListener, TransportError
from .context import ScenarioContext
from .faulty import FaultyConnection, apply_faults
from .rule_counts import count_failures
from .scripted_server import DatagramPeer, ScriptedServerRun

#: Connections that passed kept for reports (failed ones are always kept).
KEEP_PASSED = 32
#: Transcript entries kept per connection of a rule server (twice this at most).
HISTORY = 500
#: Requests read without waiting before a connection yields to the others.
YIELD_EVERY = 16
#: The ``replies`` counter key of ``default``.
_DEFAULT = -1


class RuleServerRun(ScriptedServerRun):
    """A rule server: accepts like a scripted server, then serves requests by rules."""

    spec: RuleServer

    def __init__(self, spec: RuleServer, context: ScenarioContext) -> None:
        super().__init__(spec, context)
        self.server_scope = RuleScope()
        #: Requests each rule answered, in rule order.
        self.counts = [0] * len(spec.rules)
        self.served = 0
        self.unmatched = 0
        self.accepted = 0
        self._passed: deque[Actor] = deque()
        self._reads = ReadyReads()

    def _new_actor(self, connection: StreamConnection | DatagramPeer, peer: Address) -> Actor:
        self.accepted += 1
        n = self.accepted
        actor = Actor(
            self.context.state,
            label=f"{self.spec.name}#{n}",
            name=self.spec.name,
            role="server",
            framing=self.spec.framing,
            connection=connection,
        )
        actor.history_limit = HISTORY
        actor.home = self.spec.location
        actor.closing = lambda: self.closing
        self.actors.append(actor)
        actor.note("accepted", note=f"from {peer}")
        if self.spec.faults:
            actor.conn = apply_faults(
                self.context, connection, self.spec.faults, (self.spec.name, n), actor.note
            )
        return actor

    async def _handle(self, actor: Actor) -> None:
        try:
            result = await actor.run((), before=lambda: self._serve(actor))
            if result.failure is not None:
                self.context.record_failure(result.failure)
            else:
                self._forget_passed(actor)
        finally:
            self.active -= 1
            if self.active == 0:
                self.idle_done.set()

    def _forget_passed(self, actor: Actor) -> None:
        self._passed.append(actor)
        if len(self._passed) > KEEP_PASSED:
            self.actors.remove(self._passed.popleft())

    async def _serve(self, actor: Actor) -> None:
        spec = self.spec
        if spec.handle:
            await actor.run_steps(spec.handle)
            actor.current = None
            actor.no_deadline()
        scope = self.server_scope if spec.state_scope == "server" else RuleScope()
        conn = actor.conn
        assert conn is not None
        stream = conn.is_stream
        while actor.closed_by is None and await self._reads.peer_has_more(
            actor, conn, self.closing
        ):
            if stream:
                request, decision = await self._stream_request(actor, scope)
            else:
                datagram = await actor.next_datagram()
                request = actor.framing.unwrap_datagram(datagram) if actor.framed else datagram
                decision = decide_frame(spec.rules, scope.state, request, actor.lookup)
            await self._answer(actor, scope, decision, request)

    async def _stream_request(self, actor: Actor, scope: RuleScope) -> tuple[bytes, Decision]:
        """Cut the next request from the stream: wait (bounded) until the rules can decide."""
        spec, buffer = self.spec, actor.buffer
        while True:
            if actor.framed:
                got = buffer.next_frame(actor.framing)
                if got is not None:
                    frame, used = got
                    buffer.consume(used)
                    return frame, decide_frame(spec.rules, scope.state, frame, actor.lookup)
            else:
                decision = decide_stream(
                    spec.rules, scope.state, buffer.data, buffer.eof, actor.lookup
                )
                if decision is not None:
                    request = buffer.peek(decision.consumed)
                    buffer.consume(decision.consumed)
                    return request, decision
            if buffer.eof:
                raise actor.fail(
                    "the peer closed the connection in the middle of a request",
                    received=buffer.peek(),
                    location=spec.location,
                )
            if buffer.full:
                raise actor.fail(
                    f"a request of {len(buffer)} bytes is still incomplete "
                    f"(the limit is {buffer.limit} bytes; see --max-buffer)",
                    received=buffer.peek(4096),
                    location=spec.location,
                )
            timeout = (
                spec.timeout if spec.timeout is not None else self.context.state.default_timeout
            )
            if await actor.within(timeout, actor.fill) is None:
                raise actor.fail(
                    f"a request stayed incomplete for {timeout:g}s (the server's timeout)",
                    received=buffer.peek(),
                    location=spec.location,
                )

    async def _answer(
        self, actor: Actor, scope: RuleScope, decision: Decision, request: bytes
    ) -> None:
        spec = self.spec
        index = decision.index
        self.served += 1
        if index is None:
            self.unmatched += 1
            if spec.default is None:
                raise actor.fail(
                    "a request matched no rule (and the server has no default)",
                    received=request,
                    details=near_miss(spec.rules, decision, request, scope.state),
                    location=spec.location,
                )
            rule, index = spec.default, _DEFAULT
        else:
            rule = spec.rules[index]
            self.counts[index] += 1
        if decision.captures:
            # This connection's own: concurrent connections never see each other's.
            actor.captures.update(decision.captures)
        plain = actor.need_conn()
        if rule.faults:
            # The rule's own faults wrap only its answer; the seed and the answer's
            # identity (server, connection, rule, requests served) decide every draw.
            actor.conn = apply_faults(
                self.context,
                plain,
                rule.faults,
                (spec.name, actor.label, index, self.served),
                actor.note,
            )
        try:
            await self._reply(actor, scope, rule, index)
        finally:
            actor.conn = plain
        if rule.goto is not None:
            scope.state = rule.goto

    async def _reply(self, actor: Actor, scope: RuleScope, rule: Rule, index: int) -> None:
        if rule.replies:
            payload = rule.replies[scope.next_reply(index, len(rule.replies))]
            data = payload.render(actor.lookup)
            if actor.framed:
                data = actor.framing.encode(data)
            conn = actor.need_conn()
            await _send(actor, conn, data, self.spec.timeout)
            if not isinstance(conn, FaultyConnection):  # which notes each piece it sends
                actor.note("sent", data)
        elif rule.steps:
            await actor.run_steps(rule.steps)
            actor.current = None
            actor.no_deadline()  # what follows is an idle wait or bounds itself

    def check_connections(self) -> Failure | None:
        """Connections, then each rule's ``expect_count`` and ``expect_unmatched``.

        The first failure is returned; the others join the scenario's failures
        directly (the lifecycle asks each server for one).
        """
        what = "connections" if isinstance(self.endpoint, StreamListener) else "senders"
        failures = count_failures(self.spec, self.counts, self.unmatched, self.accepted, what)
        for extra in failures[1:]:
            self.context.failures.append(extra)
        return failures[0] if failures else None


async def _send(actor: Actor, conn: Connection, data: bytes, limit: float | None) -> None:
    """Send a reply within the server's timeout.

    The deadline is only set when the socket cannot take the reply at once:
    moving it for every reply (and back for the idle wait) cost more than
    the rest of a request.  Outside a reply the deadline stays lifted.
    """
    if isinstance(conn, StreamConnection):
        sent = conn.send_ready(data)
        if sent == len(data):
            return
        data = data[sent:]
    actor.set_timeout(limit)
    await conn.send(data)
    actor.no_deadline()


class ReadyReads:
    """``actor.peer_has_more``, without its idle wait when the next request is already here.

    The idle wait costs a cancel scope and two deadline moves per request;
    under load the client's next request has usually arrived by the time the
    reply is sent, so one non-blocking read settles it.
    """

    def __init__(self) -> None:
        self.count = 0

    async def peer_has_more(self, actor: Actor, conn: Connection, closing: bool) -> bool:
        """True when the peer sent more (now in ``actor.buffer``), False when it is done."""
        buffer = actor.buffer
        if closing or not isinstance(conn, StreamConnection) or buffer.data or buffer.eof:
            return await actor.peer_has_more()  # finishing: the idle wait takes what is here
        try:
            data = conn.receive_ready()
        except ResetByPeer as exc:
            actor.note("reset", note=str(exc))  # as the idle wait says it
            return False
        except TransportError as exc:
            actor.note("note", note=str(exc))
            return False
        if data is None:
            return await actor.peer_has_more()
        buffer.feed(data)
        if not data:
            actor.note("eof")
            return False
        actor.note("received", data)
        self.count += 1
        if self.count % YIELD_EVERY == 0:  # a fair trio citizen, like the transport
            await trio.lowlevel.checkpoint()
        return True
