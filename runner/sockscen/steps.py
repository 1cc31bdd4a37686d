"""The step interpreter: one actor (a client copy or a server connection) running its steps.

Clients and scripted-server handlers share this code; only the connection
differs.  Failures are values: a failing step ends the actor with a
``results.Failure``; nothing but cancellation escapes ``Actor.run``.

Timing: one cancel scope per actor whose deadline moves before each step,
instead of a ``fail_after`` per step; that keeps the per-step cost to a few
microseconds (see the architecture notes).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Protocol, cast

import trio

from .errors import Location
from .framing import NONE, Framing, FramingError
from .matchers import Matched, Mismatch, NeedMore
from .model import (
    Abort,
    Close,
    Expect,
    ExpectEof,
    ExpectSilence,
    Notify,
    Repeat,
    Send,
    Shutdown,
    Sleep,
    Step,
    Wait,
)
from .payloads import Payload
from .placeholders import PlaceholderError, Ref
from .rendering import plural, quote_bytes
from .results import (
    TRANSCRIPT_DATA_LIMIT,
    ActorResult,
    EventKind,
    Failure,
    Outcome,
    Role,
    StepResult,
    TranscriptEntry,
)
from .transport import TransportError

#: How early a step's deadline may be (see ``Actor._set_timeout``).
DEADLINE_SLACK = 0.001
#: A ``repeat`` yields to trio at least once per this many iterations.
REPEAT_YIELD_EVERY = 64
#: Transcript entries and step results kept per actor: beyond twice this, the
#: oldest half is dropped (and counted), so a long ``repeat`` cannot eat memory.
HISTORY_LIMIT = 20_000

# --------------------------------------------------------------------------- connections


class Connection(Protocol):
    """What steps need of a connection: a stream socket or one datagram peer."""

    is_stream: bool

    async def send(self, data: bytes) -> None: ...

    async def receive(self) -> bytes: ...

    def close(self) -> None: ...


class StreamOps(Connection, Protocol):
    """What only stream connections offer (the schema keeps these steps off datagram actors)."""

    async def shutdown(self) -> None: ...

    def abort(self) -> None: ...

    def receive_nowait(self) -> bytes | None: ...


# --------------------------------------------------------------------------- shared state


@dataclass
class ScenarioState:
    """What the actors of one scenario share: clock origin, events, variables.

    ``values`` maps placeholder paths (``("app", "port")``, ``("tmp",)``) to
    their text; ``lazy`` computes the rest (``vars`` with placeholders,
    ``env.*``).  ``captures`` holds regex named groups of every actor (the
    last value wins); each actor also keeps its own, which take precedence.
    """

    started: float
    default_timeout: float
    max_buffer: int
    values: dict[tuple[str, ...], str] = field(default_factory=dict)
    lazy: Callable[[Ref], str] | None = None
    captures: dict[str, str] = field(default_factory=dict)
    events: dict[str, trio.Event] = field(default_factory=dict)

    def event(self, name: str) -> trio.Event:
        ev = self.events.get(name)
        if ev is None:
            ev = self.events[name] = trio.Event()
        return ev

    def lookup_for(self, local: dict[str, str]) -> Callable[[Ref], str]:
        """A placeholder lookup seeing *local* captures first, then the scenario's values."""
        values = self.values
        shared = self.captures

        def lookup(ref: Ref) -> str:
            path = ref.path
            if len(path) == 1:
                name = path[0]
                if name in local:
                    return local[name]
                if name in shared:
                    return shared[name]
            value = values.get(path)
            if value is not None:
                return value
            if self.lazy is not None:
                return self.lazy(ref)
            raise PlaceholderError(f"unknown placeholder {ref.text}")

        return lookup


class StepFailed(Exception):
    """Internal: carries a step's ``Failure`` to the end of ``Actor.run``."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


# --------------------------------------------------------------------------- describing steps


def describe_step(step: Step) -> str:
    """One line for reports: ``expect "hello\\n"``, ``send 5 bytes``, ``wait ready``."""
    if isinstance(step, Send):
        body = (
            quote_bytes(step.payload.static, 80) if step.payload.static is not None else "<payload>"
        )
        extra = f" in {step.chunk}-byte chunks" if step.chunk else ""
        return f"send {body}{extra}"
    if isinstance(step, Expect):
        return f"expect {step.matcher.describe()}"
    if isinstance(step, ExpectEof):
        return "expect_eof"
    if isinstance(step, ExpectSilence):
        return f"expect_silence {step.duration:g}s"
    if isinstance(step, Sleep):
        return f"sleep {step.duration:g}s"
    if isinstance(step, Notify):
        return f"notify {step.event}"
    if isinstance(step, Wait):
        return f"wait {step.event}"
    if isinstance(step, Repeat):
        times = f"{step.count} times" if step.count is not None else "until the peer closes"
        return f"repeat {len(step.steps)} steps {times}"
    return type(step).__name__.lower()


_KIND = {
    Send: "send",
    Expect: "expect",
    ExpectEof: "expect_eof",
    ExpectSilence: "expect_silence",
    Sleep: "sleep",
    Close: "close",
    Shutdown: "shutdown",
    Abort: "abort",
    Notify: "notify",
    Wait: "wait",
    Repeat: "repeat",
}

# --------------------------------------------------------------------------- the actor


class Actor:
    """One actor running steps over one connection.

    ``label`` is the display name (``alice``, ``alice[2]``, ``echo#3``).  The
    connection may be given later (a client connects as its first act).
    """

    def __init__(
        self,
        state: ScenarioState,
        *,
        label: str,
        name: str,
        role: Role,
        framing: Framing = NONE,
        copy: int | None = None,
        connection: Connection | None = None,
    ) -> None:
        self.state = state
        self.label = label
        self.framing = framing
        self.framed = framing.is_framed
        self.conn: Connection | None = connection
        self.captures: dict[str, str] = {}
        self.lookup = state.lookup_for(self.captures)
        self.buffer = bytearray()
        self.eof = False
        self.closed_by: str | None = None
        self.pending_datagram: bytes | None = None
        #: Bytes (or datagrams) consumed by expects so far: a repeat's progress.
        self.taken = 0
        self.dropped_events = 0
        self.dropped_steps = 0
        #: Where a client is connecting while it has no step yet (for a timeout message).
        self.connecting_to: str | None = None
        #: Where failures outside any step point (a client's declaration).
        self.home: Location | None = None
        self.result = ActorResult(
            actor=label, name=name, role=role, outcome=Outcome.PASSED, copy=copy
        )
        self.current: Step | None = None
        self.current_started = 0.0
        self.iteration: list[int] = []
        self.finished = False
        self.idle_scope: trio.CancelScope | None = None
        self.closing: Callable[[], bool] = lambda: False
        self._scope = trio.CancelScope()
        self._deadline_limit = math.inf

    # -- bookkeeping ------------------------------------------------------

    def now(self) -> float:
        return perf_counter() - self.state.started

    def note(self, kind: EventKind, data: bytes = b"", note: str = "") -> None:
        transcript = self.result.transcript
        transcript.append(
            TranscriptEntry(
                self.now(), self.label, kind, data[:TRANSCRIPT_DATA_LIMIT], len(data), note
            )
        )
        if len(transcript) > 2 * HISTORY_LIMIT:
            del transcript[:HISTORY_LIMIT]
            self.dropped_events += HISTORY_LIMIT

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
        """Build the ``StepFailed`` for the current step (raise it)."""
        step = step if step is not None else self.current
        label = None
        if step is not None:
            label = step.label
            if self.iteration:
                label += " (iteration " + ".".join(str(i) for i in self.iteration) + ")"
        return StepFailed(
            Failure(
                actor=self.label,
                role=self.result.role,
                message=message,
                step=label,
                step_text=describe_step(step) if step is not None else None,
                location=location or (step.location if step is not None else self.home),
                expected=expected,
                expected_text=expected_text,
                received=received,
                waited=perf_counter() - self.current_started if step is not None else None,
                details=details,
            )
        )

    def _set_timeout(self, timeout: float | None) -> None:
        limit = timeout if timeout is not None else self.state.default_timeout
        deadline = trio.current_time() + limit
        # Moving a deadline re-files it in trio's deadline heap, which costs more
        # than the rest of a step; a deadline at most 1ms early is just as good.
        if not 0 <= deadline - self._scope.deadline < DEADLINE_SLACK:
            self._scope.deadline = deadline

    # -- running ----------------------------------------------------------

    async def run(
        self, steps: tuple[Step, ...], before: Callable[[], object] | None = None
    ) -> ActorResult:
        """Run *steps*; returns the result (outcome FAILED with ``failure`` set when a step failed).

        *before* is an awaitable factory run inside the actor's timeout and
        failure handling (a client's connect).
        """
        try:
            with self._scope:
                if before is not None:
                    await before()  # type: ignore[misc]
                await self._run_steps(steps)
                self.finished = True
            if self._scope.cancelled_caught and not self.finished:
                raise self._timeout_failure()
        except StepFailed as exc:
            self._record_failure(exc.failure)
        except TransportError as exc:
            self._record_failure(self.fail(str(exc)).failure)
        except PlaceholderError as exc:
            self._record_failure(self.fail(f"{exc}").failure)
        except FramingError as exc:
            self._record_failure(self.fail(str(exc)).failure)
        except UnicodeError as exc:
            # Text (often a captured value) that its encoding cannot carry.
            self._record_failure(self.fail(f"cannot encode the payload: {exc}").failure)
        except re.error as exc:
            self._record_failure(
                self.fail(
                    f"the regex with its placeholders expanded does not compile: {exc}"
                ).failure
            )
        finally:
            if self.conn is not None:
                self.conn.close()
            self._mark_dropped()
        return self.result

    def _mark_dropped(self) -> None:
        """Say in the transcript how many old events were not kept."""
        if self.dropped_events:
            transcript = self.result.transcript
            first = transcript[0].time if transcript else self.now()
            transcript.insert(
                0,
                TranscriptEntry(
                    first, self.label, "note", note=f"{self.dropped_events} earlier events not kept"
                ),
            )
            self.dropped_events = 0

    def _record_failure(self, failure: Failure) -> None:
        self.result.failure = failure
        self.result.outcome = Outcome.FAILED
        if self.current is not None:
            self._step_done(self.current, Outcome.FAILED)

    def interrupted_failure(self, message: str) -> Failure:
        """A failure describing where this unfinished actor was when the scenario stopped."""
        received = bytes(self.buffer) if self.buffer else None
        return self.fail(message, received=received).failure

    def _step_done(self, step: Step, outcome: Outcome) -> None:
        now = perf_counter()
        steps = self.result.steps
        if len(steps) >= 2 * HISTORY_LIMIT:
            del steps[:HISTORY_LIMIT]
            self.dropped_steps += HISTORY_LIMIT
        steps.append(
            StepResult(
                step.label,
                _KIND[type(step)],
                step.location,
                outcome,
                self.current_started - self.state.started,
                now - self.current_started,
            )
        )

    async def _run_steps(self, steps: tuple[Step, ...]) -> None:
        for step in steps:
            self.current = step
            self.current_started = perf_counter()
            kind = type(step)
            if kind is Send:
                await self._send(step)  # type: ignore[arg-type]
            elif kind is Expect:
                await self._expect(step)  # type: ignore[arg-type]
            elif kind is Repeat:
                await self._repeat(step)  # type: ignore[arg-type]
                continue  # the repeat's own steps were recorded
            else:
                await self._other(step)
            self._step_done(step, Outcome.PASSED)

    def _timeout_failure(self) -> StepFailed:
        step = self.current
        waited = perf_counter() - self.current_started
        what = "the step"
        if step is None and self.connecting_to is not None:
            what = f"a connection to {self.connecting_to}"
        elif isinstance(step, Expect):
            what = "the expected data"
        elif isinstance(step, ExpectEof):
            what = "the peer to close the connection"
        elif isinstance(step, Wait):
            what = f"event '{step.event}' (did an actor notify it?)"
        elif isinstance(step, Send):
            what = "the peer to read what we send"
        message = f"timed out after {waited:.3g}s waiting for {what}"
        received = bytes(self.buffer)
        if isinstance(step, Expect) and not received:
            message += "; nothing arrived"
        elif received:
            message += f"; {plural(len(received), 'unconsumed byte')} arrived"
        expected = None
        if isinstance(step, Expect):
            expected = self._expected_bytes(step)
        return self.fail(message, expected=expected, received=received if received else None)

    def _expected_bytes(self, step: Expect) -> bytes | None:
        payload: Payload | None = getattr(step.matcher, "payload", None)
        if payload is None:
            return None
        try:
            return payload.render(self.lookup)
        except (PlaceholderError, UnicodeError):
            return None

    def _need_conn(self) -> Connection:
        if self.conn is None or self.closed_by is not None:
            raise self.fail(
                f"the connection is already closed ({self.closed_by or 'never opened'})"
            )
        return self.conn

    # -- send ---------------------------------------------------------------

    async def _send(self, step: Send) -> None:
        conn = self._need_conn()
        data = step.payload.render(self.lookup)
        if self.framed:
            data = self.framing.encode(data)
        if step.chunk is None or step.chunk >= len(data):
            self._set_timeout(None)
            await conn.send(data)
            self.note("sent", data)
            return
        pieces = [data[i : i + step.chunk] for i in range(0, len(data), step.chunk)]
        for i, piece in enumerate(pieces):
            self._set_timeout(None)
            await conn.send(piece)
            self.note("sent", piece, f"chunk {i + 1}/{len(pieces)}")
            if step.gap and i + 1 < len(pieces):
                self._scope.deadline = math.inf
                await trio.sleep(step.gap)

    # -- receive ------------------------------------------------------------

    async def _fill(self) -> None:
        """Receive more stream data into the buffer (sets ``eof`` at end of stream)."""
        conn = self.conn
        assert conn is not None
        data = await conn.receive()
        if data:
            self.note("received", data)
            self.buffer += data
        else:
            self.eof = True
            self.note("eof")

    async def _next_datagram(self) -> bytes:
        if self.pending_datagram is not None:
            data, self.pending_datagram = self.pending_datagram, None
            return data
        conn = self.conn
        assert conn is not None
        data = await conn.receive()
        self.note("received", data)
        return data

    async def _expect(self, step: Expect) -> None:
        conn = self._need_conn() if self.pending_datagram is None else self.conn
        assert conn is not None
        self._set_timeout(step.timeout)
        matcher = step.matcher
        lookup = self.lookup
        if not conn.is_stream:
            datagram = await self._next_datagram()
            frame = self.framing.unwrap_datagram(datagram) if self.framed else datagram
            outcome = matcher.check_frame(frame, lookup)
            if isinstance(outcome, Mismatch):
                raise self._mismatch(step, outcome, frame)
            self.taken += 1
            self._captured(outcome)
            return
        delimiter = None if self.framed or matcher.until is None else matcher.delimiter(lookup)
        limit = self.state.max_buffer
        buffer = self.buffer
        # How far the buffer was already examined, so each new chunk costs only its size.
        scanned = 0
        size_checked = False
        while True:
            if self.framed:
                got = self.framing.decode(buffer, limit, scanned)
                if got is not None:
                    frame, consumed = got
                    verdict = matcher.check_frame(frame, lookup)
                    if isinstance(verdict, Mismatch):
                        raise self._mismatch(step, verdict, frame)
                    del buffer[:consumed]
                    self.taken += consumed
                    self._captured(verdict)
                    return
                scanned = max(0, len(buffer) - len(self.framing.delimiter) + 1)
            elif delimiter is not None:
                end = buffer.find(delimiter, scanned)
                if end >= 0:
                    frame = bytes(buffer[:end])
                    verdict = matcher.check_frame(frame, lookup)
                    if isinstance(verdict, Mismatch):
                        raise self._mismatch(step, verdict, frame)
                    del buffer[: end + len(delimiter)]
                    self.taken += end + len(delimiter)
                    self._captured(verdict)
                    return
                scanned = max(0, len(buffer) - len(delimiter) + 1)
            else:
                result = matcher.match_stream(buffer, self.eof, lookup, scanned)
                if type(result) is Matched:
                    del buffer[: result.consumed]
                    self.taken += result.consumed
                    if result.captures:
                        self._captured(result)
                    return
                if isinstance(result, Mismatch):
                    raise self._mismatch(step, result, bytes(buffer[: max(result.shown, 1)]))
                scanned = len(buffer)
            if self.eof:
                what = "a complete frame" if self.framed else "the delimiter"
                raise self.fail(
                    f"the peer closed the connection before {what} arrived",
                    expected=self._expected_bytes(step),
                    received=bytes(buffer),
                )
            if len(buffer) >= limit:
                raise self.fail(
                    f"received {len(buffer)} bytes without meeting the expectation "
                    f"(the limit is {limit} bytes; see --max-buffer)",
                    expected=self._expected_bytes(step),
                    received=bytes(buffer[:4096]),
                )
            if not size_checked and not self.framed and delimiter is None:
                size_checked = True
                # About to wait for the first time: can this expectation fit at all?
                size = matcher.size(lookup)
                if size is not None and size > limit:
                    raise self.fail(
                        f"this expectation needs {size} bytes, more than the read limit of "
                        f"{limit} bytes: raise --max-buffer",
                    )
            await self._fill()

    def _captured(self, outcome: Matched | Mismatch | NeedMore) -> None:
        if isinstance(outcome, Matched) and outcome.captures:
            self.captures.update(outcome.captures)
            self.state.captures.update(outcome.captures)

    def _mismatch(self, step: Expect, outcome: Mismatch, received: bytes) -> StepFailed:
        expected = self._expected_bytes(step)
        return self.fail(
            outcome.reason,
            expected=expected,
            expected_text=None if expected is not None else step.matcher.describe(),
            received=received,
        )

    # -- everything else -----------------------------------------------------

    async def _other(self, step: Step) -> None:
        if isinstance(step, ExpectEof):
            await self._expect_eof(step)
        elif isinstance(step, ExpectSilence):
            await self._expect_silence(step)
        elif isinstance(step, Sleep):
            self._scope.deadline = math.inf
            await trio.sleep(step.duration)
        elif isinstance(step, Notify):
            self._scope.deadline = math.inf  # the previous step's deadline must not apply here
            self.state.event(step.event).set()
            self.note("notify", note=step.event)
            await trio.lowlevel.checkpoint()
        elif isinstance(step, Wait):
            self._set_timeout(step.timeout)
            await self.state.event(step.event).wait()
            self.note("wait", note=step.event)
        elif isinstance(step, Close):
            self._scope.deadline = math.inf
            conn = self._need_conn()
            conn.close()
            self.closed_by = f"step {step.label} closed it"
            self.note("closed")
            await trio.lowlevel.checkpoint()
        elif isinstance(step, Shutdown):
            conn = self._need_conn()
            self._set_timeout(None)
            await cast(StreamOps, conn).shutdown()
            self.note("shutdown")
        elif isinstance(step, Abort):
            self._scope.deadline = math.inf
            conn = self._need_conn()
            cast(StreamOps, conn).abort()
            self.closed_by = f"step {step.label} aborted it"
            self.note("abort")
            await trio.lowlevel.checkpoint()
        else:  # pragma: no cover - the model has no other step kinds
            raise AssertionError(f"unknown step {step!r}")

    async def _expect_eof(self, step: ExpectEof) -> None:
        self._need_conn()
        self._set_timeout(step.timeout)
        while True:
            if self.buffer:
                raise self.fail(
                    f"expected the peer to close the connection, "
                    f"but {plural(len(self.buffer), 'more byte')} arrived",
                    expected_text="end of stream",
                    received=bytes(self.buffer),
                )
            if self.eof:
                return
            await self._fill()

    async def _expect_silence(self, step: ExpectSilence) -> None:
        conn = self._need_conn()
        self._scope.deadline = math.inf
        if self.buffer or self.pending_datagram is not None:
            pending = bytes(self.buffer) if self.buffer else (self.pending_datagram or b"")
            raise self.fail(
                f"expected {step.duration:g}s of silence, "
                f"but {plural(len(pending), 'byte')} already waited",
                expected_text="silence",
                received=pending,
            )
        if self.eof:
            raise self.fail(
                "expected silence, but the peer had already closed the connection",
                expected_text="silence",
            )
        with trio.move_on_after(step.duration):
            if conn.is_stream:
                await self._fill()
                if self.eof:
                    raise self.fail(
                        f"expected {step.duration:g}s of silence, "
                        "but the peer closed the connection",
                        expected_text="silence",
                    )
                raise self.fail(
                    f"expected {step.duration:g}s of silence, "
                    f"but {plural(len(self.buffer), 'byte')} arrived",
                    expected_text="silence",
                    received=bytes(self.buffer),
                )
            data = await self._next_datagram()
            raise self.fail(
                f"expected {step.duration:g}s of silence, but a {len(data)}-byte datagram arrived",
                expected_text="silence",
                received=data,
            )

    # -- repeat ----------------------------------------------------------------

    async def _repeat(self, step: Repeat) -> None:
        started = self.current_started
        # Pushed here and popped only when the loop ends normally: a failure or a
        # timeout inside reports the iteration it happened in.
        self.iteration.append(0)
        n = 0
        while step.count is None or n < step.count:
            if step.count is None and not await self._peer_has_more():
                break
            n += 1
            self.iteration[-1] = n
            taken = self.taken
            await self._run_steps(step.steps)
            if step.count is None and self.taken == taken:
                raise self.fail(
                    "this repeat (without count) made no progress: an iteration consumed "
                    "no data, so it would loop forever; make its expects consume at least "
                    "one byte, or give it a count",
                    step=step,
                )
            if n % REPEAT_YIELD_EVERY == 0:
                # Steps that never wait (a zero-length expect, notify) must not keep
                # trio from noticing a timeout or Ctrl-C.
                await trio.lowlevel.checkpoint()
        self.iteration.pop()
        self.current = step
        self.current_started = started
        self._step_done(step, Outcome.PASSED)

    async def _peer_has_more(self) -> bool:
        """Wait, with no deadline, until the peer sends more (True) or is done (False).

        "Done" is end of stream, a reset, or — when the scenario is finishing
        (every client is done) — nothing more waiting.  The wait is idle: the
        scenario may cancel it through ``idle_scope``.
        """
        conn = self.conn
        if conn is None or self.closed_by is not None:
            return False
        if conn.is_stream:
            if self.buffer:
                return True
            if self.eof:
                return False
        elif self.pending_datagram is not None:
            return True
        self._scope.deadline = math.inf
        with trio.CancelScope() as idle:
            self.idle_scope = idle
            if self.closing():
                idle.cancel()
            try:
                if conn.is_stream:
                    await self._fill()
                else:
                    self.pending_datagram = await self._next_datagram()
            except TransportError as exc:
                self.note("note", note=str(exc))
                return False
            finally:
                self.idle_scope = None
        if idle.cancelled_caught:
            return self._peek_after_cancel(conn)
        if conn.is_stream:
            return bool(self.buffer)
        return True

    def _peek_after_cancel(self, conn: Connection) -> bool:
        """After an idle wait was cancelled: is data already here that the wait missed?"""
        if conn.is_stream:
            data = cast(StreamOps, conn).receive_nowait()
            if data:
                self.note("received", data)
                self.buffer += data
                return True
            return False
        nowait = getattr(conn, "receive_nowait", None)
        if nowait is not None:
            data = nowait()
            if data is not None:
                self.note("received", data)
                self.pending_datagram = data
                return True
        return False
