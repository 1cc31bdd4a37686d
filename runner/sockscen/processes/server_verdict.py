"""A process server's verdict: an early exit, output that does not match, the wrong exit status."""

from __future__ import annotations

from collections.abc import Callable

from ..model import ProcessServer
from ..placeholders import PlaceholderError, Ref
from ..results import Failure
from ..wholecheck import CHECKED_OUTPUT_LIMIT, check_output
from .capture import Capture
from .commands import describe_status

#: Said when a server exits with status 0 on its own, before or after it was ready.
DAEMON_HINT = (
    " — did it daemonize or fork into the background? Run it in the "
    "foreground (e.g. --daemonize no, daemon off;)"
)


def server_failure(
    spec: ProcessServer,
    capture: Capture,
    code: int | None,
    exited_early: bool,
    lookup: Callable[[Ref], str],
) -> Failure | None:
    """The first failure of a stopped server with exit status *code*, None when it passed.

    *exited_early* is the engine's verdict that the process ended before the
    scenario did; ``expect_exit`` is checked against the status after ``stop``.
    """
    name = spec.name
    if exited_early:
        status = describe_status(code) if code is not None else "an unknown status"
        # Exit status 0 early is how a daemonizing program looks whether it forked
        # before or after the readiness probe succeeded: the same hint either way.
        ended = f"exited before the scenario ended, with {status}"
        hint = DAEMON_HINT if code == 0 else ""
        return Failure(
            actor=name,
            role="process-server",
            message=f"server {name!r} {ended}{hint}",
            location=spec.location,
            expected_text="the server keeps running until the scenario ends",
        )
    mismatch = output_failure(spec, capture, lookup)
    if mismatch is not None:
        return mismatch
    if spec.expect_exit is not None and code != spec.expect_exit:
        status = describe_status(code) if code is not None else "no exit status (not reaped)"
        return Failure(
            actor=name,
            role="process-server",
            message=(
                f"server {name!r} ended with {status} after "
                f"{spec.stop.signal.name}, expected exit status {spec.expect_exit}"
            ),
            location=spec.expect_exit_location or spec.location,
            expected_text=f"exit status {spec.expect_exit}",
        )
    return None


def output_failure(
    spec: ProcessServer, capture: Capture, lookup: Callable[[Ref], str]
) -> Failure | None:
    """The first of ``expect_stdout``/``expect_stderr`` the whole output does not meet."""
    checks = (
        ("stdout", spec.expect_stdout, spec.expect_stdout_location),
        ("stderr", spec.expect_stderr, spec.expect_stderr_location),
    )
    for name, matcher, location in checks:
        if matcher is None:
            continue
        tail = capture.tails[name]
        if tail.dropped:
            limit = CHECKED_OUTPUT_LIMIT // (1024 * 1024)
            reason: str | None = f"the {name} was larger than {limit} MiB, too large to check"
        else:
            try:
                reason = check_output(matcher, tail.data, lookup)
            except PlaceholderError as exc:
                reason = f"cannot expand the expectation: {exc}"
        if reason is not None:
            return Failure(
                actor=spec.name,
                role="process-server",
                message=f"server {spec.name!r}: {name} does not match: {reason}",
                location=location or spec.location,
                expected_text=f"{name}: {matcher.describe()}",
                received=tail.data[-4096:],
            )
    return None
