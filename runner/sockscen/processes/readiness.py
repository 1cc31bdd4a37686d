"""Readiness of a process server: one probe per ``ready`` kind, raced against the program exiting.

``PROBES`` is the table of kinds (``connect``, ``stdout``, ``stderr``,
``delay``, ``path``); a new kind is one probe function, one line in the
table and one hint in ``READY_HINTS``.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import trio

from ..addresses import Address
from ..durations import format_duration
from ..errors import Location, SetupError
from ..model import Ready
from ..regexes import UserRegex, compile_regex
from ..transport import probe_connect
from .capture import DRAIN_TIMEOUT, Capture
from .child import Child
from .proctable import POLL_FIRST, POLL_GROWTH, POLL_MAX


def compile_ready(
    ready: Ready, label: str, location: Location
) -> tuple[str, UserRegex[str]] | None:
    """The stream and the bounded regex a ``ready: {stdout|stderr}`` watches, else None."""
    if ready.kind not in ("stdout", "stderr"):
        return None
    try:
        return ready.kind, compile_regex(ready.pattern or "")
    except re.error as exc:
        raise SetupError(
            f"{label}: ready: {ready.kind} is not a valid regex: {exc}", location
        ) from None


def describe_ready(ready: Ready, addresses: Sequence[Address], path: str | None) -> str:
    """What readiness waits for, as the ``(ready: ...)`` part of a message."""
    if ready.kind == "connect":
        stream = [a.url for a in addresses if a.is_stream]
        return "connect to " + " and ".join(stream) if stream else "connect"
    if ready.kind in ("stdout", "stderr"):
        return f"a line on {ready.kind} matching /{ready.pattern}/"
    if ready.kind == "path":
        return f"{path} exists"
    return f"delay {format_duration(ready.delay)}"


async def poll(check: Callable[[], bool]) -> None:
    """Return once *check* is true, checking ever less often (up to every ``POLL_MAX`` s)."""
    pause = POLL_FIRST
    while not check():
        await trio.sleep(pause)
        pause = min(pause * POLL_GROWTH, POLL_MAX)


async def wait_connectable(addresses: Sequence[Address], pending: list[Address]) -> None:
    """Return once every stream address accepts a connection.

    *pending* is updated in place with the addresses not accepting yet, so a
    timeout message can name them.
    """
    pending[:] = [a for a in addresses if a.is_stream]
    pause = POLL_FIRST
    while pending:
        still = []
        for address in pending:
            # A connect to loopback answers at once; the bound only matters for a stuck backlog.
            with trio.move_on_after(1.0):
                if await probe_connect(address):
                    continue
            still.append(address)
        pending[:] = still
        if not pending:
            return
        await trio.sleep(pause)
        pause = min(pause * POLL_GROWTH, POLL_MAX)


@dataclass
class Probe:
    """What a readiness probe may look at: the server's output, its addresses, the ready path."""

    ready: Ready
    capture: Capture
    addresses: Sequence[Address]
    path: str | None
    #: Addresses not accepting yet, for a timeout message (filled by the connect probe).
    pending: list[Address] = field(default_factory=list)


async def _connect(probe: Probe) -> None:
    await wait_connectable(probe.addresses, probe.pending)
    # Said in the transcript: a server that accepts only one
    # connection has just spent it on this probe.
    probed = ", ".join(str(a) for a in probe.addresses if a.is_stream)
    probe.capture.note("note", f"ready: a test connection to {probed} was accepted and closed")


async def _line(probe: Probe) -> None:
    await probe.capture.line_seen.wait()


async def _path(probe: Probe) -> None:
    path = probe.path
    assert path is not None
    await poll(lambda: os.path.exists(path))


async def _delay(probe: Probe) -> None:
    await trio.sleep(probe.ready.delay)


#: Readiness probes by ``ready`` kind: each returns once the server is ready.
PROBES: dict[str, Callable[[Probe], Awaitable[None]]] = {
    "connect": _connect,
    "stdout": _line,
    "stderr": _line,
    "path": _path,
    "delay": _delay,
}

#: The hint a "did not become ready" message ends with, by ``ready`` kind.
READY_HINTS = {
    "connect": "check that it listens there (is the port or path passed on its command line?)",
    "stdout": "check the regex, and that the program flushes its output when stdout is a pipe "
    "(print(..., flush=True), PYTHONUNBUFFERED=1, setvbuf)",
    "stderr": "check the regex",
    "path": "check that the program creates this path (relative to the scenario's folder)",
    "delay": "",
}


async def wait_ready(proc: Child, probe: Probe) -> str:
    """``ready``, ``exited`` or ``timeout``: the probe raced against the program exiting."""
    ready = probe.ready
    capture = probe.capture
    deadline = math.inf if ready.kind == "delay" else trio.current_time() + ready.timeout
    outcome = ""

    async with trio.open_nursery() as nursery:

        async def watch_exit() -> None:
            nonlocal outcome
            await proc.wait()
            if ready.kind in ("stdout", "stderr"):
                # Its last words may still be in the pipe: a program that printed
                # its ready line and exited at once was ready first.
                with trio.move_on_after(DRAIN_TIMEOUT):
                    async with trio.open_nursery() as first:

                        async def settle(event: trio.Event) -> None:
                            await event.wait()
                            first.cancel_scope.cancel()

                        first.start_soon(settle, capture.line_seen)
                        first.start_soon(settle, capture.done)
                if capture.line_seen.is_set():
                    outcome = outcome or "ready"
            outcome = outcome or "exited"
            nursery.cancel_scope.cancel()

        async def condition() -> None:
            nonlocal outcome
            with trio.move_on_at(deadline):
                await PROBES[ready.kind](probe)
                outcome = outcome or "ready"
            outcome = outcome or "timeout"
            nursery.cancel_scope.cancel()

        nursery.start_soon(watch_exit)
        nursery.start_soon(condition)
    return outcome
