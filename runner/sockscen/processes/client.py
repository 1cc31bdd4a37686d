"""Process clients: run one copy to its end, then check its exit status and output."""

from __future__ import annotations

import contextlib
import math
import signal
import subprocess
from collections.abc import Callable

import trio

from ..durations import format_duration
from ..errors import SetupError
from ..matchers import Exact
from ..model import ProcessClient
from ..placeholders import PlaceholderError, Ref
from ..results import ActorResult, Failure, Outcome, Role
from ..wholecheck import CHECKED_OUTPUT_LIMIT, check_output
from . import proctable
from .capture import OUTPUT_TAIL_LIMIT, Capture, OutputTail
from .child import Child
from .commands import ProcessContext, describe_status, expand_command
from .lifecycle import end_group, spawn


async def run_client(
    spec: ProcessClient,
    copy: int | None,
    ctx: ProcessContext,
    interrupted: list[ActorResult] | None = None,
) -> ActorResult:
    """Run one copy of a process client to its end and check its exit status and output.

    *copy* is 1..N when the client has ``count`` > 1, else None.  Checks that
    fail come back as the result's ``Failure``; a command that cannot start
    raises ``SetupError``.  ``spec.timeout`` bounds the run (the group is
    killed when it passes); cancellation kills the group too, and then the
    client's result so far (outcome SKIPPED, with its transcript and output)
    is appended to *interrupted*, so a report can say what it was doing.
    """
    actor = spec.name if copy is None else f"{spec.name}[{copy}]"
    label = f"client {actor!r}"
    prepared = expand_command(spec.command, ctx.lookup, ctx.directory, label)
    stdin_data: bytes | None = None
    if spec.stdin is not None:
        try:
            stdin_data = spec.stdin.render(ctx.lookup)
        except PlaceholderError as exc:
            raise SetupError(f"{label}: cannot expand stdin: {exc}", spec.location) from None
    limits = {
        "stdout": CHECKED_OUTPUT_LIMIT if spec.expect_stdout is not None else OUTPUT_TAIL_LIMIT,
        "stderr": CHECKED_OUTPUT_LIMIT if spec.expect_stderr is not None else OUTPUT_TAIL_LIMIT,
    }
    capture = Capture(actor, ctx.started, limits=limits)
    proc = await spawn(
        prepared,
        label,
        spec.command.location,
        stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
    )
    capture.note("started", f"pid {proc.pid}: {prepared.display}")
    io_scope = trio.CancelScope()
    timed_out = False
    runner_killed = False
    finished = False
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(capture.pump, proc, io_scope)
            if stdin_data is not None:
                nursery.start_soon(_feed_stdin, proc, stdin_data, capture)
            limit = spec.timeout if spec.timeout is not None else math.inf
            with trio.move_on_after(limit):
                await proc.wait()
            timed_out = runner_killed = proc.returncode is None
            # A finished client's helpers must not outlive it; a late client is killed outright.
            await end_group(proc, signal.SIGKILL, 0.0, lambda text: capture.note("note", text))
            await capture.drain(io_scope)
            # A stdin writer still blocked (a reader that escaped the group) must not hold us.
            nursery.cancel_scope.cancel()
        finished = True
    finally:
        if proc.returncode is None or proctable.group_alive(proc.pid):
            runner_killed = runner_killed or proc.returncode is None
            await end_group(proc, signal.SIGKILL, 0.0, lambda text: capture.note("note", text))
        if not finished and interrupted is not None:
            if runner_killed:
                capture.note("note", "still running when the scenario stopped: killed")
            interrupted.append(
                ActorResult(
                    actor=actor,
                    name=spec.name,
                    role="process-client",
                    outcome=Outcome.SKIPPED,
                    copy=copy,
                    transcript=list(capture.transcript),
                    output=capture.output(prepared.argv, proc.pid, proc.returncode, runner_killed),
                )
            )
    code = proc.returncode
    if code is not None:
        capture.note("exited", describe_status(code))
    output = capture.output(prepared.argv, proc.pid, code, runner_killed)
    failure = _client_failure(spec, actor, capture, code, timed_out, ctx.lookup)
    return ActorResult(
        actor=actor,
        name=spec.name,
        role="process-client",
        outcome=Outcome.FAILED if failure else Outcome.PASSED,
        copy=copy,
        transcript=list(capture.transcript),
        failure=failure,
        output=output,
    )


async def _feed_stdin(proc: Child, data: bytes, capture: Capture) -> None:
    """Write the client's stdin, then close it so the program sees end-of-file."""
    stream = proc.stdin
    if stream is None:
        return
    try:
        await stream.send_all(data)
        capture.note("sent", "stdin", data)
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        capture.note("note", "the program closed its stdin before reading all of it")
    finally:
        with contextlib.suppress(Exception):
            await trio.aclose_forcefully(stream)


def _client_failure(
    spec: ProcessClient,
    actor: str,
    capture: Capture,
    code: int | None,
    timed_out: bool,
    lookup: Callable[[Ref], str],
) -> Failure | None:
    """The first unmet expectation (timeout, exit status, stdout, stderr); others go in details."""
    role: Role = "process-client"
    label = f"client {actor!r}"
    tails = capture.tails
    found: list[Failure] = []
    # The output tails are in the actor's ProcessOutput, which every report shows.
    details: tuple[str, ...] = ()
    if timed_out:
        assert spec.timeout is not None
        found.append(
            Failure(
                actor=actor,
                role=role,
                message=f"{label} did not exit within {format_duration(spec.timeout)}; killed it",
                location=spec.location,
                expected_text=f"exit within {format_duration(spec.timeout)}",
                waited=spec.timeout,
                details=details,
            )
        )
    elif code != spec.expect_exit:
        status = describe_status(code) if code is not None else "an unknown status"
        found.append(
            Failure(
                actor=actor,
                role=role,
                message=f"{label} exited with {status}, expected exit status {spec.expect_exit}",
                location=spec.expect_exit_location or spec.location,
                expected_text=f"exit status {spec.expect_exit}",
                details=details,
            )
        )
    checks = (
        ("stdout", spec.expect_stdout, spec.expect_stdout_location),
        ("stderr", spec.expect_stderr, spec.expect_stderr_location),
    )
    for name, matcher, location in checks:
        if matcher is None or timed_out:
            continue
        tail = tails[name]
        if tail.dropped:
            reason: str | None = (
                f"the {name} was larger than {CHECKED_OUTPUT_LIMIT // (1024 * 1024)} MiB, "
                "too large to check as a whole"
            )
        else:
            try:
                reason = check_output(matcher, tail.data, lookup)
            except PlaceholderError as exc:
                reason = f"cannot expand the expectation: {exc}"
        if reason is None:
            continue
        expected = None
        if isinstance(matcher, Exact) and matcher.payload.static is not None:
            expected = matcher.payload.static
        found.append(
            Failure(
                actor=actor,
                role=role,
                message=f"{label}: {name} does not match: {reason}",
                location=location or spec.location,
                expected=expected,
                expected_text=f"{name}: {matcher.describe()}",
                received=_recent(tail),
                details=details,
            )
        )
    if not found:
        return None
    first = found[0]
    also = tuple(f"also: {f.message}" for f in found[1:])
    if not also:
        return first
    return Failure(
        actor=first.actor,
        role=first.role,
        message=first.message,
        location=first.location,
        expected=first.expected,
        expected_text=first.expected_text,
        received=first.received,
        waited=first.waited,
        details=also + first.details,
    )


def _recent(tail: OutputTail, limit: int = 4096) -> bytes:
    return tail.data[-limit:]
