"""Rule servers: a scripted server that answers each request by the first rule matching it.

Each connection (or datagram sender) runs the server's ``handle`` steps,
then serves requests until the peer is done: cut a request (a frame, a
datagram, or on an unframed stream what ``rules.decide_stream`` decides),
pick the rule, answer with its next reply or its steps, move to its
``goto`` state.  A long-lived server keeps bounded memory: a short
transcript per connection, and only the last connections that passed.
"""

from __future__ import annotations

from ..model import Rule, RuleServer
from ..results import Failure
from ..rules import Decision, RuleScope, decide_frame, near_miss
from ..steps import Actor
from .context import ScenarioContext
from .faulty import FaultyConnection, apply_faults
from .listening import arrivals
from .rule_counts import count_failures
from .rule_requests import ReadyReads, send_reply, stream_request
from .scripted_server import ScriptedServerRun, settle

#: Transcript entries kept per connection of a rule server (twice this at most).
HISTORY = 500
#: The ``replies`` counter key of ``default``.
_DEFAULT = -1


class RuleServerRun(ScriptedServerRun):
    """A rule server: accepts like a scripted server, then serves requests by rules."""

    spec: RuleServer
    numbered_copies = False

    def __init__(self, spec: RuleServer, context: ScenarioContext) -> None:
        super().__init__(spec, context)
        self.server_scope = RuleScope()
        #: Requests each rule answered, in rule order.
        self.counts = [0] * len(spec.rules)
        self.served = 0
        self.unmatched = 0
        self._reads = ReadyReads()

    def _setup_actor(self, actor: Actor) -> None:
        actor.history_limit = HISTORY
        actor.home = self.spec.location
        super()._setup_actor(actor)

    async def _handle(self, actor: Actor) -> None:
        try:
            await actor.run((), before=lambda: self._serve(actor))
            settle(self.context, self.actors, self._passed, actor, forget=True)
        finally:
            self.active -= 1
            if self.active == 0:
                self.idle_done.set()

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
                timeout = spec.timeout
                if timeout is None:
                    timeout = self.context.state.default_timeout
                request, decision = await stream_request(actor, spec, scope, timeout)
            else:
                datagram = await actor.next_datagram()
                request = actor.framing.unwrap_datagram(datagram) if actor.framed else datagram
                decision = decide_frame(spec.rules, scope.state, request, actor.lookup)
            await self._answer(actor, scope, decision, request)

    async def _answer(
        self, actor: Actor, scope: RuleScope, decision: Decision, request: bytes
    ) -> None:
        spec = self.spec
        index = decision.index
        self.served += 1
        if index is None:
            self.unmatched += 1
            if spec.default is None or decision.gave_up is not None:
                raise actor.fail(
                    "a request matched no rule (and the server has no default)"
                    if decision.gave_up is None
                    else f"{decision.gave_up} could not decide on a request: its regex gave up",
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
            await send_reply(actor, conn, data, self.spec.timeout)
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
        what = arrivals(self.endpoint)
        failures = count_failures(self.spec, self.counts, self.unmatched, self.accepted, what)
        for extra in failures[1:]:
            self.context.failures.append(extra)
        return failures[0] if failures else None
