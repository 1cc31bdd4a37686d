"""One scenario's lifecycle: servers up, clients run, servers finish, everything torn down.

A scenario runs in its own nursery, with its own private temporary
directory, ports and events.  Its life: bind scripted servers and start
process servers (a setup error ends it as ERROR), run every client copy
concurrently, let server handlers finish, check ``connections`` counts, then
tear everything down -- always, under a shielded cancel scope, whether the
scenario passed, failed, timed out or was interrupted.

The first failure of any actor cancels the rest of its scenario: that
failure is the cause, and what follows it would only be noise.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from time import perf_counter

import trio

from ..errors import SetupError
from ..masking import Masker
from ..model import Scenario
from ..results import Failure, Outcome, ScenarioResult
from ..state import TranscriptBudget
from ..steps import Actor
from .context import ScenarioContext
from .files import write_files
from .kinds import CLIENTS, SERVERS, ServerRun
from .options import DEFAULT_OPTIONS, MAX_CONNECTS_IN_FLIGHT, RunOptions
from .verdict import Evidence, internal_error, timeout_message, verdict


class ScenarioRun:
    """One running scenario; ``result()`` turns what it saw into a ``ScenarioResult``."""

    def __init__(
        self,
        scenario: Scenario,
        options: RunOptions,
        connect_limiter: trio.CapacityLimiter,
        transcripts: TranscriptBudget | None = None,
    ) -> None:
        self.scenario = scenario
        self.context = ScenarioContext(scenario, options, connect_limiter)
        if transcripts is not None:  # shared by the scenarios of a run
            self.context.state.transcripts = transcripts
        self.servers: list[ServerRun] = []
        self.started_at = 0.0
        self.timed_out = False
        self.completed = False
        #: The scenario's time limit (a standing server lifts it).
        self.timeout = scenario.timeout
        #: Run beside the clients once the servers are up; the scenario ends when
        #: both are done (``standing``: keep the servers up until told to stop).
        self.hold: Callable[[ScenarioRun], Awaitable[None]] | None = None

    async def execute(self) -> None:
        """Run the scenario to its end (or its timeout); teardown is the caller's ``teardown``."""
        context = self.context
        self.started_at = time.time()
        context.clock0 = context.state.started = perf_counter()
        timed_out = False
        with trio.move_on_after(self.timeout) as timeout_scope:
            async with trio.open_nursery() as nursery:
                context.cancel_scope = nursery.cancel_scope
                context.nursery = nursery
                try:
                    try:
                        await self._start_servers(nursery)
                    except SetupError as exc:
                        context.setup_error = exc
                    else:
                        await self._run_phase()
                finally:
                    # The timeout bounds the scenario's work; stopping is bounded by
                    # stop.timeout: a deadline passing from here on is not a timeout.
                    timed_out = timeout_scope.cancel_called
                    timeout_scope.deadline = math.inf
                    # Inside the nursery, so the servers' output readers (shielded,
                    # in this nursery) are still reading while the servers stop.
                    context.stopping = True
                    with trio.CancelScope(shield=True):
                        await self._stop_servers()
                    nursery.cancel_scope.cancel()
        if timed_out:
            self.timed_out = True
            _timeout_failures(self.context, self._all_actors())
        self.completed = True

    async def _start_servers(self, nursery: trio.Nursery) -> None:
        context = self.context
        lookup = context.state.lookup_for({})
        # Proxies last: their upstream may be any server.
        for spec in (*self.scenario.servers, *self.scenario.proxies):
            server = SERVERS[type(spec)](spec, context)
            self.servers.append(server)
            # In order: a server's listen address may name an earlier server's port.
            server.bind(lookup)
        # After binding: a file may name any server's address (ports are chosen by now).
        context.files = write_files(self.scenario.files, context.bindings, lookup)
        for phase in sorted({server.start_phase for server in self.servers}):
            async with trio.open_nursery() as starting:
                for server in self.servers:
                    if server.start_phase == phase:
                        starting.start_soon(self._start_one, server, nursery, starting.cancel_scope)
            if context.setup_error is not None:
                raise context.setup_error

    async def _start_one(
        self, server: ServerRun, nursery: trio.Nursery, starting: trio.CancelScope
    ) -> None:
        try:
            await server.start(nursery)
        except SetupError as exc:
            # Servers start concurrently: keep the first error, stop the others starting.
            if self.context.setup_error is None:
                self.context.setup_error = exc
            starting.cancel()

    async def _run_phase(self) -> None:
        """Clients run; then servers finish their handlers and connection counts are checked."""
        context = self.context
        async with trio.open_nursery() as nursery:
            if self.hold is not None:
                nursery.start_soon(self.hold, self)
            for spec in self.scenario.clients:
                run_client = CLIENTS[type(spec)]
                copies = [None] if spec.count == 1 else list(range(1, spec.count + 1))
                for copy in copies:
                    nursery.start_soon(run_client, context, spec, copy)
        if _counts_checked(context):
            await _finish(self.servers, context)

    def _all_actors(self) -> list[Actor]:
        return [*self.context.actors, *(a for s in self.servers for a in s.actors)]

    async def _stop_servers(self) -> None:
        """Stop every server at once (each stop is bounded and idempotent)."""
        async with trio.open_nursery() as nursery:
            for server in self.servers:
                nursery.start_soon(server.stop)

    def internal_error(self, exc: BaseException) -> None:
        """Record *exc*, a bug in sockscen, as this scenario's setup error."""
        self.context.setup_error = internal_error(self.scenario, exc)
        self.completed = True

    async def teardown(self) -> None:
        """Stop processes, close sockets, remove the temporary directory.  Shield it."""
        self.context.stopping = True
        await self._stop_servers()
        for server in self.servers:
            server.close()
        for actor in self._all_actors():
            if actor.conn is not None:
                actor.conn.close()
        self.context.bindings.release()

    def result(self, *, interrupted: bool = False) -> ScenarioResult:
        """The verdict on what the run saw."""
        context = self.context
        everyone = self._all_actors()
        evidence = Evidence(
            actors=[a.result for a in everyone],
            unfinished={id(a.result) for a in everyone if not a.finished},
            failures=list(context.failures),
            setup_error=context.setup_error,
            interrupted=interrupted,
            completed=self.completed,
            started_at=self.started_at,
        )
        evidence.actors.extend(context.actor_results)
        evidence.actors.extend(context.interrupted_clients)
        _add_programs(context, evidence)
        result = verdict(self.scenario, evidence)
        result.files = list(context.files)
        # Once, here: every reporter sees only what this returns.
        return Masker(context.state.secrets).masked(result)


async def _finish(servers: list[ServerRun], context: ScenarioContext) -> None:
    """Servers finish their handlers; then each one's connection count is checked."""
    for server in servers:
        await server.finish()
    for server in servers:
        failure = server.check_connections()
        if failure is not None:
            context.failures.append(failure)


def _counts_checked(context: ScenarioContext) -> bool:
    """Whether servers finish and their counts are checked: no failure stopped the scenario.

    Standing servers keep serving past a failed connection; they still count.
    """
    if not context.failures:
        return True
    cancelled = context.cancel_scope is not None and context.cancel_scope.cancel_called
    return context.standing is not None and not cancelled


def _add_programs(context: ScenarioContext, evidence: Evidence) -> None:
    """Each server program's result, and its failure when nothing reported it yet."""
    for proc in context.programs:
        seen = any(f.role == "process-server" and f.actor == proc.name for f in context.failures)
        # The watcher may not have run before teardown (a crash racing the end).
        actor = proc.result(exited_early=seen or proc.exited_by_itself)
        evidence.actors.append(actor)
        if actor.failure is not None and not seen:
            evidence.failures.append(actor.failure)


def _timeout_failures(context: ScenarioContext, everyone: list[Actor]) -> None:
    """The scenario timed out: every actor still running fails, saying so."""
    scenario = context.scenario
    message = timeout_message(scenario)
    unfinished = [a for a in everyone if not a.finished and a.result.failure is None]
    if not unfinished and not context.interrupted_clients:
        context.failures.append(
            Failure(actor="scenario", role="scenario", message=message, location=scenario.location)
        )
    for actor in unfinished:
        failure = actor.interrupted_failure(message + "; this actor was still running")
        actor.result.failure = failure
        actor.result.outcome = Outcome.FAILED
        context.failures.append(failure)
    clients = {c.name: c for c in scenario.clients}
    for result in context.interrupted_clients:
        result.failure = Failure(
            actor=result.actor,
            role="process-client",
            message=f"{message}; the program was still running and was killed",
            location=clients[result.name].location,
        )
        result.outcome = Outcome.FAILED
        context.failures.append(result.failure)


async def run_scenario(
    scenario: Scenario,
    options: RunOptions = DEFAULT_OPTIONS,
    connect_limiter: trio.CapacityLimiter | None = None,
) -> ScenarioResult:
    """Run one scenario and return its result (never raises for scenario problems)."""
    run = ScenarioRun(
        scenario, options, connect_limiter or trio.CapacityLimiter(MAX_CONNECTS_IN_FLIGHT)
    )
    return await complete(run)


async def complete(run: ScenarioRun) -> ScenarioResult:
    """Execute *run*, always tear it down (shielded from cancellation), and return its result."""
    try:
        await run.execute()
    finally:
        with trio.CancelScope(shield=True):
            await run.teardown()
    return run.result()
