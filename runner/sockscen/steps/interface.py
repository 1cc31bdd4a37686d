"""What a step kind sees of the actor running it, and what a step kind is (``StepKind``).

Step kinds import no trio: they are written against ``StepActor``, which
the trio actor (``sockscen.actor.Actor``) implements, and which a test may
implement over memory connections (``sockscen.testing``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from ..buffer import ReceiveBuffer
from ..connection import Connection
from ..errors import Location
from ..framing import Framing
from ..kinds import StepBuilder
from ..model import Step
from ..payloads import Lookup
from ..rendering import plural
from ..results import EventKind, Failure


class StepFailed(Exception):
    """Carries a step's ``Failure`` to the end of the actor's run (failures are values)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class StepActor(Protocol):
    """The actor a step runs in: its connection, deadline, transcript, buffer, captures, events."""

    framing: Framing
    #: ``framing.is_framed``, read once.
    framed: bool
    conn: Connection | None
    #: Stream bytes received and not consumed (bounded by ``--max-buffer``).
    buffer: ReceiveBuffer
    #: A datagram received while waiting for "more" (a ``repeat``), not yet expected.
    pending_datagram: bytes | None
    #: Bytes (or datagrams) consumed by expects so far: a repeat's progress.
    taken: int
    #: Why the connection may no longer be used (``step 3 closed it``), None while open.
    closed_by: str | None
    lookup: Lookup
    #: Iteration numbers of the repeats being run, outermost first (for failure labels).
    iteration: tuple[int, ...]
    current: Step | None
    current_started: float

    def need_conn(self) -> Connection:
        """The open connection; a failure when it is closed or was never opened."""
        ...

    def set_timeout(self, timeout: float | None) -> None:
        """Let what follows take at most *timeout* seconds (None: the run's step timeout)."""
        ...

    def no_deadline(self) -> None:
        """Lift the deadline: what follows bounds itself (a sleep, a silence)."""
        ...

    def note(self, kind: EventKind, data: bytes = b"", note: str = "") -> None:
        """Add a transcript entry."""
        ...

    def fail(
        self,
        message: str,
        *,
        step: Step | None = None,
        expected: bytes | None = None,
        expected_text: str | None = None,
        received: bytes | None = None,
        details: tuple[str, ...] = (),
        location: Location | None = None,
    ) -> StepFailed:
        """The failure of the current step (or *step*), to raise."""
        ...

    def capture(self, captures: dict[str, str]) -> None:
        """Keep regex captures for later placeholders (this actor's and the scenario's)."""
        ...

    async def fill(self) -> bytes:
        """Receive more stream data into ``buffer``; returns it (``b""`` at end of stream)."""
        ...

    async def next_datagram(self) -> bytes:
        """The pending datagram, or the next one received."""
        ...

    async def within(self, seconds: float, work: Callable[[], Awaitable[bytes]]) -> bytes | None:
        """Run *work* for at most *seconds*: its result, or None when the time ran out."""
        ...

    async def peer_has_more(self) -> bool:
        """Wait, with no deadline, until the peer sends more (True) or is done (False)."""
        ...

    def set_event(self, name: str) -> None:
        """Set the scenario-wide event *name*."""
        ...

    async def wait_event(self, name: str) -> None:
        """Wait until the scenario-wide event *name* is set."""
        ...

    async def sleep(self, seconds: float) -> None: ...

    async def checkpoint(self) -> None:
        """Let other tasks run (and a cancellation arrive)."""
        ...

    async def run_steps(self, steps: tuple[Step, ...]) -> None:
        """Run *steps* in order, recording each (a ``repeat``'s body)."""
        ...


S = TypeVar("S", bound=Step)


@dataclass(frozen=True, slots=True)
class StepKind(Generic[S]):
    """One kind of step: its YAML key, its model class, how it builds, runs and shows itself.

    ``build`` makes the model from the validated list item (a mapping, or a bare
    string such as ``close``) with the kind's own semantic checks.
    ``stream_only`` kinds end or break a connection, which a datagram socket
    does not have (the builder says so); kinds without ``needs_connection``
    also run in a client that has no ``connect``.  ``waiting_for`` names what a
    timed-out step was waiting for (``the step`` by default); ``timed_out``
    replaces the whole timeout failure where a kind knows more (an expect
    shows what it expected).  After ``run`` the actor records
    ``actor.current`` as passed.
    """

    key: str
    model: type[S]
    build: StepBuilder[S]
    run: Callable[[StepActor, S], Awaitable[None]]
    describe: Callable[[S], str] | None = None
    waiting_for: Callable[[S], str] | None = None
    timed_out: Callable[[StepActor, S, float], StepFailed] | None = None
    stream_only: bool = False
    #: False for the kinds a client without ``connect`` may run (sleep, notify, wait, expect_file).
    needs_connection: bool = True

    def describe_step(self, step: S) -> str:
        """One line for reports (the key alone unless the kind says more)."""
        return self.describe(step) if self.describe is not None else self.key


def timeout_failure(
    actor: StepActor,
    waited: float,
    what: str,
    *,
    expected: bytes | None = None,
    quiet: bool = False,
) -> StepFailed:
    """The failure of a step that timed out waiting for *what*.

    *quiet* says "nothing arrived" when the buffer is empty (an expect).
    """
    message = f"timed out after {waited:.3g}s waiting for {what}"
    received = actor.buffer.peek()
    if quiet and not received:
        message += "; nothing arrived" + _datagram_hint(actor.conn)
    elif received:
        message += f"; {plural(len(received), 'unconsumed byte')} arrived"
    return actor.fail(message, expected=expected, received=received if received else None)


def _datagram_hint(conn: Connection | None) -> str:
    """Why a datagram client may have heard nothing although its server answered."""
    if conn is None or conn.is_stream or getattr(conn, "local", None) is None:
        return ""
    if getattr(conn, "any_port", False):
        strays = int(getattr(conn, "strays", 0))
        return f" ({strays} datagram(s) from other hosts were dropped)" if strays else ""
    if getattr(conn.local, "is_unix", True):  # type: ignore[attr-defined]
        return ""
    # A connected UDP socket never sees replies from another port: the kernel drops them.
    return (
        " (this socket takes replies only from the address it connected to; if the "
        "server answers from another port, as TFTP does, write reply_from: any)"
    )
