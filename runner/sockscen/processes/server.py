"""Process servers: start one, wait until it is ready, watch it, stop its whole group."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Sequence

import trio

from ..addresses import Address
from ..durations import format_duration
from ..errors import Location, SetupError
from ..model import ProcessServer
from ..placeholders import PlaceholderError, Ref
from ..results import ActorResult, Outcome, ProcessOutput
from ..wholecheck import CHECKED_OUTPUT_LIMIT
from .capture import DRAIN_TIMEOUT, OUTPUT_TAIL_LIMIT, Capture
from .child import Child
from .commands import (
    PreparedCommand,
    ProcessContext,
    describe_status,
    expand_command,
    expand_template,
)
from .lifecycle import KILL_GRACE, end_group, spawn
from .readiness import READY_HINTS, Probe, compile_ready, describe_ready, wait_ready
from .server_verdict import DAEMON_HINT, server_failure


def _no_values(ref: Ref) -> str:
    raise PlaceholderError(f"unknown placeholder {ref.text}")


class ServerProcess:
    """A running process server (the user's program under test).

    Created by ``start_server`` once the server is ready.  The engine watches
    ``wait_exit`` to notice a server dying early, calls ``stop`` when the
    scenario ends (always, in a ``finally``) and then ``result``.
    """

    def __init__(
        self,
        spec: ProcessServer,
        prepared: PreparedCommand,
        proc: Child,
        capture: Capture,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.pid = proc.pid
        self.prepared = prepared
        self._proc = proc
        self._capture = capture
        # Shielded: the output readers must outlive the scenario's cancellation until
        # stop() has ended the process and drained them (a server printing on SIGTERM
        # would otherwise die of SIGPIPE, and its last words would be lost).
        self._io_scope = trio.CancelScope(shield=True)
        self._stop_started = False
        self._stopped = trio.Event()
        self._stopped_by_runner = False
        #: Expands placeholders of expect_stdout/expect_stderr (set by ``start_server``).
        self.lookup: Callable[[Ref], str] = _no_values

    @property
    def announced(self) -> dict[str, str]:
        """Named groups of the ``ready`` line (``{"port": "40123"}``); empty for other probes."""
        watch = self._capture.watch
        return dict(watch.groups) if watch is not None else {}

    @property
    def returncode(self) -> int | None:
        """The exit status (negative: killed by that signal), None while running."""
        return self._proc.returncode

    @property
    def stopping(self) -> bool:
        """True once ``stop`` has begun."""
        return self._stop_started

    @property
    def output(self) -> ProcessOutput:
        """The output tails so far (for ``--show-output`` and reports)."""
        return self._capture.output(
            self.prepared.argv, self.pid, self.returncode, self._stopped_by_runner
        )

    async def wait_exit(self) -> int:
        """Return the exit status when the process exits *by itself* (negative: killed by a signal).

        An exit caused by ``stop`` is not "by itself": once ``stop`` has begun
        this never returns (the caller's scope is expected to be cancelled).
        """
        code = await self._proc.wait()
        if self._stop_started:
            await trio.sleep_forever()
        return code

    async def stop(self) -> None:
        """Stop the whole process group: ``stop.signal``, wait ``stop.timeout``, then SIGKILL; reap.

        Idempotent and shielded from cancellation, with a bounded duration
        (``stop.timeout`` + ``KILL_GRACE`` + ``DRAIN_TIMEOUT``).  Also kills
        children left in the group when the leader already exited.
        """
        if self._stop_started:
            with (
                trio.CancelScope(shield=True),
                trio.move_on_after(self.spec.stop.timeout + KILL_GRACE + DRAIN_TIMEOUT),
            ):
                await self._stopped.wait()
            return
        self._stop_started = True
        try:
            running = self._proc.returncode is None
            self._stopped_by_runner = running
            await end_group(
                self._proc,
                self.spec.stop.signal if running else signal.SIGKILL,
                self.spec.stop.timeout,
                lambda text: self._capture.note("note", text),
            )
            code = self._proc.returncode
            # Died of a signal we did not send (a crash racing the stop): its own doing.
            ours = (int(self.spec.stop.signal), int(signal.SIGKILL))
            if running and code is not None and code < 0 and -code not in ours:
                self._stopped_by_runner = False
            if code is not None:
                self._capture.note("exited", describe_status(code))
            await self._capture.drain(self._io_scope)
        finally:
            self._stopped.set()

    @property
    def exited_by_itself(self) -> bool:
        """True once stopped, when the process had ended on its own (exit or crash) first."""
        return self._stop_started and not self._stopped_by_runner

    def result(self, *, exited_early: bool) -> ActorResult:
        """This server's ``ActorResult`` (role ``process-server``).

        *exited_early* is the engine's verdict that the process ended before
        the scenario did.  ``expect_exit`` is checked against the status after
        ``stop``.
        """
        failure = server_failure(
            self.spec, self._capture, self.returncode, exited_early, self.lookup
        )
        return ActorResult(
            actor=self.name,
            name=self.name,
            role="process-server",
            outcome=Outcome.FAILED if failure else Outcome.PASSED,
            transcript=list(self._capture.transcript),
            failure=failure,
            output=self.output,
        )

    async def _pump(self) -> None:
        await self._capture.pump(self._proc, self._io_scope)


async def start_server(
    spec: ProcessServer,
    nursery: trio.Nursery,
    ctx: ProcessContext,
    addresses: Sequence[Address],
) -> ServerProcess:
    """Start a process server and return once it is ready.

    *addresses* are its resolved listen addresses (ports already picked).
    Output readers run in *nursery*.  Raises ``ProcessStartError`` (a
    ``SetupError``) when the command cannot start, exits before it is ready or
    is not ready within ``ready.timeout``; the process is stopped first.  On
    cancellation the process group is killed before the cancellation goes on.
    """
    label = f"server {spec.name!r}"
    ready = spec.ready
    ready_location = ready.location or spec.location
    if ready.kind == "connect" and not any(a.is_stream for a in addresses):
        raise SetupError(
            f"{label}: ready: connect needs a stream address (tcp or unix) but it listens on "
            f"{', '.join(a.url for a in addresses) or 'nothing'}; use ready: {{stdout: REGEX}}, "
            "{stderr: REGEX}, {delay: DURATION} or {path: PATH}",
            ready_location,
        )
    watch = compile_ready(ready, label, ready_location)
    path: str | None = None
    if ready.kind == "path":
        if ready.path is None:
            raise SetupError(f"{label}: ready: path needs a path", ready_location)
        expanded = expand_template(ready.path, ctx.lookup, "ready path", label, ready_location)
        path = os.path.join(ctx.directory, expanded)
    prepared = expand_command(spec.command, ctx.lookup, ctx.directory, label)
    limits = {
        "stdout": CHECKED_OUTPUT_LIMIT if spec.expect_stdout is not None else OUTPUT_TAIL_LIMIT,
        "stderr": CHECKED_OUTPUT_LIMIT if spec.expect_stderr is not None else OUTPUT_TAIL_LIMIT,
    }
    capture = Capture(spec.name, ctx.started, watch=watch, limits=limits)
    proc = await spawn(prepared, label, spec.command.location, stdin=subprocess.DEVNULL)
    server = ServerProcess(spec, prepared, proc, capture)
    server.lookup = ctx.lookup
    ok = False
    try:
        capture.note("started", f"pid {proc.pid}: {prepared.display}")
        nursery.start_soon(server._pump)
        probe = Probe(ready, capture, addresses, path)
        outcome = await wait_ready(proc, probe)
        line_watch = capture.watch
        if line_watch is not None and line_watch.gave_up is not None:
            result = server.result(exited_early=False)
            result.outcome = Outcome.ERROR
            message = f"{label}: ready: {ready.kind}: {line_watch.gave_up.reason}"
            raise ProcessStartError(message, ready_location, result)
        if outcome == "ready":
            ok = True
            return server
        if outcome == "exited":
            code = proc.returncode
            await server.stop()
            status = describe_status(code) if code is not None else "an unknown status"
            message = (
                f"{label} exited before it was ready, with {status} "
                f"(ready: {describe_ready(ready, addresses, path)})"
            )
            if code == 0:
                message += DAEMON_HINT
            result = server.result(exited_early=True)
            result.outcome = Outcome.ERROR
            raise ProcessStartError(message, spec.command.location, result)
        await server.stop()
        waited = describe_ready(ready, probe.pending or addresses, path)
        message = (
            f"{label} did not become ready within {format_duration(ready.timeout)} "
            f"(ready: {waited}) — {READY_HINTS[ready.kind]}, or raise ready: timeout"
        )
        result = server.result(exited_early=False)
        result.outcome = Outcome.ERROR
        raise ProcessStartError(message, ready_location, result)
    finally:
        if not ok:
            await server.stop()


class ProcessStartError(SetupError):
    """Raised when a process server exits before it is ready or is not ready in time.

    ``result`` holds the server's ``ActorResult`` (its output tails and
    transcript), for reports that show what the program printed.
    """

    def __init__(self, message: str, location: Location | None, result: ActorResult) -> None:
        super().__init__(message, location)
        self.result = result
