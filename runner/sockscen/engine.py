"""Run scenarios: one scenario's lifecycle, and many scenarios at once under a capacity limit.

A scenario runs in its own nursery, with its own private temporary
directory, ports and events.  Its life: bind scripted servers and start
process servers (a setup error ends it as ERROR), run every client copy
concurrently, let server handlers finish, check ``connections`` counts, then
tear everything down — always, under a shielded cancel scope, whether the
scenario passed, failed, timed out or was interrupted.

The first failure of any actor cancels the rest of its scenario: that
failure is the cause, and what follows it would only be noise.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING

import trio

from .addresses import Address, AddressError, parse_address
from .errors import Location, SetupError
from .model import (
    DEFAULT_MAX_BUFFER,
    DEFAULT_STEP_TIMEOUT,
    ProcessClient,
    ProcessServer,
    Scenario,
    ScriptedServer,
    SocketClient,
)
from .placeholders import PlaceholderError, Ref
from .results import ActorResult, Failure, Outcome, RunResult, ScenarioResult
from .steps import Actor, ScenarioState
from .transport import (
    DatagramSocket,
    StreamConnection,
    StreamListener,
    TransportError,
    bind,
    check_free,
    open_datagram,
    open_stream,
)

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup

if TYPE_CHECKING:
    from . import processes

#: Connections being opened at once across a run: beyond the kernel's accept
#: backlog, connects stall for a second in SYN retransmission.
MAX_CONNECTS_IN_FLIGHT = 512


def default_jobs() -> int:
    """How many scenarios run at once by default: network waits dominate, so several per core."""
    return max(4, 4 * (os.cpu_count() or 1))


@dataclass(frozen=True)
class RunOptions:
    """How to run: capacity, default step timeout, fail-fast, read-buffer limit."""

    jobs: int = 0
    step_timeout: float | None = None
    exitfirst: bool = False
    max_buffer: int = DEFAULT_MAX_BUFFER

    @property
    def effective_step_timeout(self) -> float:
        """The step timeout in force: the option, else the language's default."""
        return self.step_timeout if self.step_timeout is not None else DEFAULT_STEP_TIMEOUT

    def as_dict(self) -> dict[str, object]:
        return {
            "jobs": self.jobs or default_jobs(),
            "step_timeout": self.effective_step_timeout,
            "exitfirst": self.exitfirst,
            "max_buffer": self.max_buffer,
        }


def _tmp_base() -> str:
    # Unix socket paths are limited to 107 bytes: keep the private directories short.
    base = os.environ.get("TMPDIR", "/tmp")
    return base if len(base) <= 40 and os.path.isdir(base) else "/tmp"


# --------------------------------------------------------------------------- scripted servers


class DatagramPeer:
    """One sender of a datagram server, seen as a connection by its handler."""

    is_stream = False

    def __init__(self, sock: DatagramSocket, peer: Address) -> None:
        self.sock = sock
        self.peer = peer
        self.send_channel, self.receive_channel = trio.open_memory_channel[bytes](1024)
        self.overflowed = False

    async def send(self, data: bytes) -> None:
        if self.peer.is_unix and not self.peer.path:
            raise TransportError(
                "cannot reply to a unixgram sender that did not bind an address of its own"
            )
        await self.sock.send_to(data, self.peer)

    async def receive(self) -> bytes:
        return await self.receive_channel.receive()

    def receive_nowait(self) -> bytes | None:
        try:
            return self.receive_channel.receive_nowait()
        except trio.WouldBlock:
            return None

    def close(self) -> None:
        pass  # the socket is shared by every sender; the server closes it


class ScriptedServerRun:
    """A bound scripted server: accepts connections (or senders) and runs ``handle`` for each."""

    def __init__(
        self, spec: ScriptedServer, endpoint: StreamListener | DatagramSocket, run: ScenarioRun
    ) -> None:
        self.spec = spec
        self.endpoint = endpoint
        self.run = run
        self.address = endpoint.address if isinstance(endpoint, StreamListener) else endpoint.local
        self.actors: list[Actor] = []
        self.peers: dict[Address, DatagramPeer] = {}
        self.active = 0
        self.closing = False
        self.idle_done = trio.Event()
        self._nursery: trio.Nursery | None = None
        self._accept_scope = trio.CancelScope()

    async def serve(self, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started()
            with self._accept_scope:
                try:
                    if isinstance(self.endpoint, StreamListener):
                        await self.endpoint.serve(self._accepted)
                    else:
                        await self._receive_datagrams()
                except TransportError as exc:
                    self._server_failure(str(exc))

    def _server_failure(self, message: str) -> None:
        self.run.record_failure(
            Failure(
                actor=self.spec.name, role="server", message=message, location=self.spec.location
            )
        )

    def _new_actor(self, connection: StreamConnection | DatagramPeer, peer: Address) -> Actor:
        n = len(self.actors) + 1
        actor = Actor(
            self.run.state,
            label=f"{self.spec.name}#{n}",
            name=self.spec.name,
            role="server",
            framing=self.spec.framing,
            copy=n,
            connection=connection,
        )
        actor.closing = lambda: self.closing
        self.actors.append(actor)
        actor.note("accepted", note=f"from {peer}")
        return actor

    def _accepted(self, conn: StreamConnection) -> None:
        self._spawn(self._new_actor(conn, conn.peer))

    def _spawn(self, actor: Actor) -> None:
        # Counted here, not when the task starts, so finish() never misses a
        # handler that was started but has not run yet.
        assert self._nursery is not None
        self.active += 1
        self._nursery.start_soon(self._handle, actor)

    async def _handle(self, actor: Actor) -> None:
        try:
            result = await actor.run(self.spec.handle)
            if result.failure is not None:
                self.run.record_failure(result.failure)
        finally:
            self.active -= 1
            if self.active == 0:
                self.idle_done.set()

    async def _receive_datagrams(self) -> None:
        assert isinstance(self.endpoint, DatagramSocket)
        while True:
            data, peer = await self.endpoint.receive_from()
            self._dispatch(data, peer)

    def _dispatch(self, data: bytes, peer: Address) -> None:
        link = self.peers.get(peer)
        if link is None:
            assert isinstance(self.endpoint, DatagramSocket)
            link = self.peers[peer] = DatagramPeer(self.endpoint, peer)
            self._spawn(self._new_actor(link, peer))
        try:
            link.send_channel.send_nowait(data)
        except trio.WouldBlock:
            if not link.overflowed:  # said once per sender, however many are dropped
                link.overflowed = True
                self._server_failure(
                    f"more than 1024 datagrams from {peer} wait unread by the handler"
                )

    async def finish(self) -> None:
        """Every client is done: take what is still queued, end idle handlers, wait for the rest."""
        self.closing = True
        if isinstance(self.endpoint, StreamListener):
            assert self._nursery is not None
            try:
                pending = self.endpoint.accept_pending()
            except TransportError as exc:
                self._server_failure(str(exc))
                pending = []
            for conn in pending:
                self._accepted(conn)
        else:
            while (got := self.endpoint.receive_from_nowait()) is not None:
                self._dispatch(*got)
        self._accept_scope.cancel()
        for actor in self.actors:
            if actor.idle_scope is not None:
                actor.idle_scope.cancel()
        if self.active:
            self.idle_done = trio.Event()
            await self.idle_done.wait()

    def check_connections(self) -> Failure | None:
        expected = self.spec.connections
        if expected is None or expected == len(self.actors):
            return None
        what = "connections" if isinstance(self.endpoint, StreamListener) else "senders"
        return Failure(
            actor=self.spec.name,
            role="server",
            message=f"expected {expected} {what}, {len(self.actors)} arrived",
            location=self.spec.connections_location or self.spec.location,
            expected_text=f"{expected} {what}",
            step_text=f"connections: {expected}",
        )

    def close(self) -> None:
        self.endpoint.close()


# --------------------------------------------------------------------------- one scenario


@dataclass
class ScenarioRun:
    """The state of one running scenario; ``result()`` turns it into a ``ScenarioResult``."""

    scenario: Scenario
    options: RunOptions
    connect_limiter: trio.CapacityLimiter
    state: ScenarioState = field(init=False)
    tmp: str = ""
    started_at: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    setup_error: SetupError | None = None
    timed_out: bool = False
    completed: bool = False
    actors: list[Actor] = field(default_factory=list)
    actor_results: list[ActorResult] = field(default_factory=list)
    interrupted_clients: list[ActorResult] = field(default_factory=list)
    servers: list[ScriptedServerRun] = field(default_factory=list)
    process_servers: list[processes.ServerProcess] = field(default_factory=list)
    reserved: list[Address] = field(default_factory=list)
    stopping: bool = False
    _cancel: trio.CancelScope | None = None
    _clock0: float = 0.0
    _unixgram_clients: int = 0
    _expanding: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.state = ScenarioState(
            started=0.0,
            default_timeout=self.options.effective_step_timeout,
            max_buffer=self.options.max_buffer,
        )

    # -- failures ------------------------------------------------------------

    def record_failure(self, failure: Failure) -> None:
        """Keep *failure* and stop the scenario: the first failure is the cause."""
        self.failures.append(failure)
        if self._cancel is not None:
            self._cancel.cancel()

    # -- placeholders ----------------------------------------------------------

    def tmpdir(self) -> str:
        """The scenario's private temporary directory, created on first use.

        Creating and removing a directory costs more than running a small TCP
        scenario on some file systems, so scenarios that never need one
        (no relative Unix socket, no ``${tmp}``) never make one.
        """
        if not self.tmp:
            self.tmp = tempfile.mkdtemp(prefix="sks-", dir=_tmp_base())
        return self.tmp

    def _lazy(self, ref: Ref) -> str:
        path = ref.path
        if path == ("tmp",):
            return self.tmpdir()
        if path[0] == "env" and len(path) == 2:
            value = os.environ.get(path[1])
            if value is None:
                raise PlaceholderError(f"environment variable {path[1]} is not set ({ref.text})")
            return value
        if len(path) == 1:
            for name, template in self.scenario.vars:
                if name == path[0]:
                    if name in self._expanding:
                        cycle = " -> ".join([*self._expanding, name])
                        raise PlaceholderError(f"vars refer to each other in a cycle: {cycle}")
                    self._expanding.append(name)
                    try:
                        value = template.expand(self.state.lookup_for({}))
                    finally:
                        self._expanding.pop()
                    self.state.values[path] = value
                    return value
        raise PlaceholderError(f"unknown placeholder {ref.text}")

    def _add_address_values(self, server: str, key: str | None, address: Address) -> None:
        prefix = (server,) if key is None else (server, key)
        values = self.state.values
        port = str(address.port) if not address.is_unix else ""
        for attribute, value in (
            ("url", address.url),
            ("host", address.host),
            ("port", port),
            ("path", address.path),
        ):
            path = (*prefix, attribute)
            values[path] = value

    def _resolve(self, text: str, location: Location) -> Address:
        try:
            address = parse_address(text)
        except AddressError as exc:
            raise SetupError(str(exc), location) from None
        return self._place(address)

    def _place(self, address: Address) -> Address:
        """*address*, with a relative Unix socket path moved into the private directory."""
        if address.is_unix and not address.is_abstract and not os.path.isabs(address.path):
            return address.in_directory(self.tmpdir())
        return address

    # -- lifecycle ---------------------------------------------------------------

    async def execute(self) -> None:
        """Run the scenario to its end (or its timeout); teardown is the caller's ``teardown``."""
        self.started_at = time.time()
        self._clock0 = perf_counter()
        self.state.started = self._clock0
        self.state.lazy = self._lazy
        with trio.move_on_after(self.scenario.timeout) as timeout_scope:
            async with trio.open_nursery() as nursery:
                self._cancel = nursery.cancel_scope
                try:
                    try:
                        await self._start_servers(nursery)
                    except SetupError as exc:
                        self.setup_error = exc
                    else:
                        await self._run_phase()
                finally:
                    # Inside the nursery, so the servers' output readers (shielded,
                    # in this nursery) are still reading while the servers stop.
                    self.stopping = True
                    with trio.CancelScope(shield=True):
                        await self._stop_processes()
                    nursery.cancel_scope.cancel()
        if timeout_scope.cancelled_caught:
            self.timed_out = True
            self._timeout_failures()
        self.completed = True

    async def _run_phase(self) -> None:
        """Clients run; then servers finish their handlers and connection counts are checked."""
        await self._run_clients()
        if not self.failures:
            for server in self.servers:
                await server.finish()
            for server in self.servers:
                failure = server.check_connections()
                if failure is not None:
                    self.failures.append(failure)

    async def _start_servers(self, nursery: trio.Nursery) -> None:
        lookup = self.state.lookup_for({})
        for spec in self.scenario.servers:
            if isinstance(spec, ScriptedServer):
                address = self._expand_address(spec.listen.template, lookup, spec.listen.location)
                try:
                    endpoint = bind(address)
                except TransportError as exc:
                    raise SetupError(f"server '{spec.name}': {exc}", spec.listen.location) from None
                server = ScriptedServerRun(spec, endpoint, self)
                self.servers.append(server)
                self._add_address_values(spec.name, None, server.address)
            else:
                for listen in spec.listen:
                    address = self._expand_address(listen.template, lookup, listen.location)
                    if not address.is_unix and address.port == 0:
                        from .ports import PORTS

                        address = PORTS.reserve(address)
                        self.reserved.append(address)
                    else:
                        busy = check_free(address)
                        if busy is not None:
                            raise SetupError(f"server '{spec.name}': {busy}", listen.location)
                    self._add_address_values(spec.name, listen.key, address)
        for server in self.servers:
            await nursery.start(server.serve)
        process_specs = [s for s in self.scenario.servers if isinstance(s, ProcessServer)]
        if process_specs:
            from . import processes

            context = processes.ProcessContext(
                lookup=lookup, directory=self.scenario.directory, started=self._clock0
            )
            async with trio.open_nursery() as starting:
                for spec in process_specs:
                    starting.start_soon(
                        self._start_process, spec, nursery, context, starting.cancel_scope
                    )
            if self.setup_error is not None:
                raise self.setup_error

    def _expand_address(
        self, template: object, lookup: Callable[[Ref], str], location: Location
    ) -> Address:
        from .placeholders import Template

        assert isinstance(template, Template)
        try:
            text = template.expand(lookup)
        except PlaceholderError as exc:
            raise SetupError(str(exc), location) from None
        return self._resolve(text, location)

    async def _start_process(
        self,
        spec: ProcessServer,
        nursery: trio.Nursery,
        context: processes.ProcessContext,
        starting: trio.CancelScope,
    ) -> None:
        from . import processes

        addresses = []
        try:
            for listen in spec.listen:
                key = (spec.name, "url") if listen.key is None else (spec.name, listen.key, "url")
                addresses.append(self._resolve(self.state.values[key], listen.location))
            proc = await processes.start_server(spec, nursery, context, addresses)
        except SetupError as exc:
            # Servers start concurrently: keep the first error, stop the others starting.
            if self.setup_error is None:
                self.setup_error = exc
            if isinstance(exc, processes.ProcessStartError):
                self.actor_results.append(exc.result)  # what the server printed
            starting.cancel()
            return
        self.process_servers.append(proc)
        nursery.start_soon(self._watch_process, proc, spec)

    async def _watch_process(self, proc: processes.ServerProcess, spec: ProcessServer) -> None:
        await proc.wait_exit()
        if not self.stopping:
            # The process's own verdict carries the exit status and the output tail.
            failure = proc.result(exited_early=True).failure
            assert failure is not None
            self.record_failure(failure)

    async def _run_clients(self) -> None:
        async with trio.open_nursery() as nursery:
            for spec in self.scenario.clients:
                copies = [None] if spec.count == 1 else list(range(1, spec.count + 1))
                for copy in copies:
                    if isinstance(spec, SocketClient):
                        nursery.start_soon(self._run_socket_client, spec, copy)
                    else:
                        nursery.start_soon(self._run_process_client, spec, copy)

    async def _run_socket_client(self, spec: SocketClient, copy: int | None) -> None:
        label = spec.name if copy is None else f"{spec.name}[{copy}]"
        actor = Actor(
            self.state, label=label, name=spec.name, role="client", framing=spec.framing, copy=copy
        )
        actor.home = spec.location
        self.actors.append(actor)

        async def connect() -> None:
            try:
                text = spec.connect.expand(actor.lookup)
            except PlaceholderError as exc:
                raise actor.fail(str(exc), location=spec.location) from None
            try:
                address = self._place(parse_address(text))
            except AddressError as exc:
                raise actor.fail(f"connect: {exc}", location=spec.location) from None
            async with self.connect_limiter:
                # The step timeout covers the connect itself, not the wait for a turn.
                actor.current_started = perf_counter()
                actor.connecting_to = str(address)
                actor._set_timeout(None)
                try:
                    if address.is_stream:
                        actor.conn = await open_stream(address)
                    else:
                        self._unixgram_clients += 1
                        local = (
                            os.path.join(self.tmpdir(), f"c{self._unixgram_clients}.sock")
                            if address.is_unix
                            else None
                        )
                        actor.conn = await open_datagram(address, local)
                except TransportError as exc:
                    raise actor.fail(str(exc), location=spec.location) from None
            actor.connecting_to = None
            actor.connecting_to = None
            actor.note("connected", note=f"to {address}")

        result = await actor.run(spec.steps, before=connect)
        if result.failure is not None:
            self.record_failure(result.failure)

    async def _run_process_client(self, spec: ProcessClient, copy: int | None) -> None:
        from . import processes

        context = processes.ProcessContext(
            lookup=self.state.lookup_for({}),
            directory=self.scenario.directory,
            started=self._clock0,
        )
        try:
            result = await processes.run_client(spec, copy, context, self.interrupted_clients)
        except SetupError as exc:
            self.setup_error = exc
            if self._cancel is not None:
                self._cancel.cancel()
            return
        self.actor_results.append(result)
        if result.failure is not None:
            self.record_failure(result.failure)

    def internal_error(self, exc: BaseException) -> None:
        """Record *exc*, a bug in sockscen, as this scenario's setup error."""
        leaves = list(_leaf_exceptions(exc))
        text = "; ".join(f"{type(e).__name__}: {e}" for e in leaves) or repr(exc)
        self.setup_error = SetupError(
            f"internal error in sockscen (this is a bug, please report it): {text}",
            self.scenario.location,
        )
        self.completed = True

    def _timeout_failures(self) -> None:
        message = (
            f"the scenario timed out after {self.scenario.timeout:g}s (timeout: in the scenario)"
        )
        unfinished = [a for a in self._all_actors() if not a.finished and a.result.failure is None]
        if not unfinished and not self.interrupted_clients:
            self.failures.append(
                Failure(
                    actor="scenario",
                    role="scenario",
                    message=message,
                    location=self.scenario.location,
                )
            )
        for actor in unfinished:
            failure = actor.interrupted_failure(message + "; this actor was still running")
            actor.result.failure = failure
            actor.result.outcome = Outcome.FAILED
            self.failures.append(failure)
        clients = {c.name: c for c in self.scenario.clients}
        for result in self.interrupted_clients:
            result.failure = Failure(
                actor=result.actor,
                role="process-client",
                message=f"{message}; the program was still running and was killed",
                location=clients[result.name].location,
            )
            result.outcome = Outcome.FAILED
            self.failures.append(result.failure)

    def _all_actors(self) -> list[Actor]:
        return [*self.actors, *(a for s in self.servers for a in s.actors)]

    async def _stop_processes(self) -> None:
        """Stop every process server at once (each stop is bounded and idempotent)."""
        async with trio.open_nursery() as nursery:
            for proc in self.process_servers:
                nursery.start_soon(proc.stop)

    async def teardown(self) -> None:
        """Stop processes, close sockets, remove the temporary directory.  Shield it."""
        self.stopping = True
        await self._stop_processes()
        for server in self.servers:
            server.close()
        for actor in self._all_actors():
            if actor.conn is not None:
                actor.conn.close()
        if self.reserved:
            from .ports import PORTS

            for address in self.reserved:
                PORTS.release(address)
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def result(self, *, interrupted: bool = False) -> ScenarioResult:
        s = self.scenario
        unfinished = {id(a.result) for a in self._all_actors() if not a.finished}
        actors = [a.result for a in self._all_actors()]
        actors.extend(self.actor_results)
        actors.extend(self.interrupted_clients)
        failures = list(self.failures)
        for proc, spec in self._process_pairs():
            seen = any(f.role == "process-server" and f.actor == spec.name for f in self.failures)
            # The watcher may not have run before teardown (a crash racing the end).
            early = seen or proc.exited_by_itself
            actor = proc.result(exited_early=early)
            actors.append(actor)
            if actor.failure is not None and not seen:
                failures.append(actor.failure)
        for actor in actors:
            if (
                actor.failure is None
                and actor.outcome is Outcome.PASSED
                and id(actor) in unfinished
            ):
                actor.outcome = Outcome.SKIPPED
        if self.setup_error is not None:
            outcome = Outcome.ERROR
        elif interrupted and not self.completed:
            outcome = Outcome.SKIPPED
        elif failures:
            outcome = Outcome.FAILED
        else:
            outcome = Outcome.PASSED
        duration = time.time() - self.started_at if self.started_at else 0.0
        return ScenarioResult(
            id=s.id,
            name=s.name,
            path=s.path,
            line=s.location.line,
            tags=s.tags,
            outcome=outcome,
            duration=duration,
            started_at=self.started_at or time.time(),
            actors=actors,
            failures=failures,
            error=(
                self.setup_error.message
                if self.setup_error
                else ("interrupted" if outcome is Outcome.SKIPPED else None)
            ),
            error_location=self.setup_error.location if self.setup_error else None,
        )

    def _process_pairs(self) -> list[tuple[processes.ServerProcess, ProcessServer]]:
        specs = {s.name: s for s in self.scenario.servers if isinstance(s, ProcessServer)}
        return [(p, specs[p.name]) for p in self.process_servers]


async def run_scenario(
    scenario: Scenario,
    options: RunOptions = RunOptions(),
    connect_limiter: trio.CapacityLimiter | None = None,
) -> ScenarioResult:
    """Run one scenario and return its result (never raises for scenario problems)."""
    run = ScenarioRun(
        scenario, options, connect_limiter or trio.CapacityLimiter(MAX_CONNECTS_IN_FLIGHT)
    )
    try:
        await run.execute()
    finally:
        with trio.CancelScope(shield=True):
            await run.teardown()
    return run.result()


# --------------------------------------------------------------------------- many scenarios


async def run_async(
    scenarios: Sequence[Scenario],
    options: RunOptions = RunOptions(),
    *,
    on_start: Callable[[Scenario], None] | None = None,
    on_result: Callable[[ScenarioResult], None] | None = None,
    sink: list[RunResult] | None = None,
) -> RunResult:
    """Run *scenarios* concurrently, at most ``options.jobs`` at once.

    Results come back in input order; *on_result* is called as each finishes.
    When cancelled from outside, running scenarios clean up and are reported
    SKIPPED ("interrupted"), the others SKIPPED too, and the partial
    ``RunResult`` is appended to *sink* before the cancellation propagates.
    """
    started_at = time.time()
    clock0 = trio.current_time()
    limiter = trio.CapacityLimiter(options.jobs or default_jobs())
    connect_limiter = trio.CapacityLimiter(MAX_CONNECTS_IN_FLIGHT)
    results: list[ScenarioResult | None] = [None] * len(scenarios)
    stop_starting = False

    async def one(index: int, scenario: Scenario) -> None:
        nonlocal stop_starting
        try:
            if on_start is not None:
                on_start(scenario)
            run = ScenarioRun(scenario, options, connect_limiter)
            try:
                await run.execute()
            except Exception as exc:
                # A bug in sockscen: this scenario is an error, the run and its reports go on.
                run.internal_error(exc)
            finally:
                with trio.CancelScope(shield=True):
                    await run.teardown()
                result = run.result(interrupted=not run.completed)
                results[index] = result
                if on_result is not None and run.completed:
                    on_result(result)
            if options.exitfirst and result.outcome in (Outcome.FAILED, Outcome.ERROR):
                stop_starting = True
        finally:
            limiter.release_on_behalf_of(index)

    cancelled = True
    try:
        async with trio.open_nursery() as nursery:
            for index, scenario in enumerate(scenarios):
                # Acquired here, not in the task, so scenarios start in input
                # order (trio schedules new tasks in no particular order).
                await limiter.acquire_on_behalf_of(index)
                if stop_starting:
                    limiter.release_on_behalf_of(index)
                    break
                nursery.start_soon(one, index, scenario)
        cancelled = False
    finally:
        # Runs on cancellation too, so an interrupted run can still be reported.
        final = [
            r if r is not None else _not_run(s) for r, s in zip(results, scenarios, strict=True)
        ]
        run_result = RunResult(
            final, started_at, trio.current_time() - clock0, cancelled, options.as_dict()
        )
        if sink is not None:
            sink.append(run_result)
    return run_result


def _leaf_exceptions(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaf_exceptions(inner)]
    return [exc]


def _not_run(scenario: Scenario) -> ScenarioResult:
    return ScenarioResult(
        id=scenario.id,
        name=scenario.name,
        path=scenario.path,
        line=scenario.location.line,
        tags=scenario.tags,
        outcome=Outcome.SKIPPED,
        duration=0.0,
        started_at=time.time(),
        error="not run",
    )


def run(
    scenarios: Sequence[Scenario],
    options: RunOptions = RunOptions(),
    *,
    on_start: Callable[[Scenario], None] | None = None,
    on_result: Callable[[ScenarioResult], None] | None = None,
    handle_signals: bool = True,
) -> RunResult:
    """Run *scenarios* in a fresh trio run and return the ``RunResult``.

    With *handle_signals*, SIGINT and SIGTERM cancel the run: every scenario
    cleans up (processes stopped, sockets closed, temp dirs removed) and the
    partial result comes back with ``interrupted=True`` and
    ``options["signal"]`` naming the signal.  Without it, ``KeyboardInterrupt``
    propagates after the same cleanup (what pytest wants).
    """
    received: list[int] = []
    sink: list[RunResult] = []

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            # The watcher lives outside the scope it cancels: it keeps its signal
            # handlers during cleanup, so a second Ctrl-C cannot kill us mid-teardown.
            run_scope = trio.CancelScope()
            if handle_signals:
                await nursery.start(_watch_signals, run_scope, received)
            try:
                with run_scope:
                    await run_async(
                        scenarios, options, on_start=on_start, on_result=on_result, sink=sink
                    )
            finally:
                nursery.cancel_scope.cancel()

    try:
        trio.run(main)
    except BaseExceptionGroup as group:
        # Ctrl-C without our handler (under pytest) reaches us wrapped by a nursery:
        # hand it on as the plain KeyboardInterrupt callers know how to handle.
        if group.subgroup(KeyboardInterrupt) is not None:
            raise KeyboardInterrupt from None
        raise
    result = sink[0]
    if received:
        result.interrupted = True
        result.options["signal"] = signal.Signals(received[0]).name
    return result


async def _watch_signals(
    scope: trio.CancelScope,
    received: list[int],
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """The first SIGINT/SIGTERM/SIGHUP cancels *scope* (an orderly stop); a second one
    kills every process we started at once, and the orderly cleanup carries on."""
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM, signal.SIGHUP) as signals:
        task_status.started()
        async for signum in signals:
            received.append(signum)
            if len(received) == 1:
                scope.cancel()
            else:
                from .processes import kill_remaining

                kill_remaining()
