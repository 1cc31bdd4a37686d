"""The trio actor: one client copy or server connection running its steps.

It implements ``steps.interface.StepActor`` with trio; the step kinds in
``steps/`` do the rest.  Failures are values: a failing step ends the actor
with a ``results.Failure``; nothing but cancellation escapes ``Actor.run``.

Timing: one cancel scope per actor whose deadline moves before each step,
instead of a ``fail_after`` per step; that keeps the per-step cost to a few
microseconds (see the architecture notes).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from time import perf_counter

import trio

from .connection import Connection, ConnectionFaulted
from .framing import NONE, Framing, FramingError
from .model import Step
from .placeholders import PlaceholderError
from .results import ActorResult, Failure, Role
from .state import ScenarioState
from .steps.interface import StepFailed, timeout_failure
from .steps.registry import STEP_KINDS
from .transport import TransportError
from .waiting import DEADLINE_SLACK, PeerWaits

__all__ = ["DEADLINE_SLACK", "Actor"]

#: Errors a step may raise, and the failure message each becomes.
_ERRORS: tuple[tuple[type[Exception], Callable[[Exception], str]], ...] = (
    (TransportError, str),
    (PlaceholderError, str),
    (FramingError, str),
    # Text (often a captured value) that its encoding cannot carry.
    (UnicodeError, lambda exc: f"cannot encode the payload: {exc}"),
    (re.error, lambda exc: f"the regex with its placeholders expanded does not compile: {exc}"),
)
_CAUGHT = tuple(kind for kind, _ in _ERRORS)


class Actor(PeerWaits):
    """One actor running steps over one connection.

    ``label`` is the display name (``alice``, ``alice[2]``, ``echo#3``).  The
    connection may be given later (a client connects as its first act).
    """

    __slots__ = (
        "captures",
        "connecting_to",
        "finished",
        "framed",
        "framing",
        "lookup",
        "taken",
    )

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
        super().__init__(state, label=label, name=name, role=role, copy=copy)
        self.framing = framing
        self.framed = framing.is_framed
        self.conn = connection
        self.captures: dict[str, str] = {}
        self.lookup = state.lookup_for(self.captures)
        self.taken = 0
        #: Where a client is connecting while it has no step yet (for a timeout message).
        self.connecting_to: str | None = None
        self.finished = False

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
                await self.run_steps(steps)
                self.finished = True
            if self._scope.cancelled_caught and not self.finished:
                raise self._timeout_failure()
        except StepFailed as exc:
            self.record_failure(exc.failure)
        except ConnectionFaulted as exc:
            # The actor's own fault cut the connection: its script ends there, as planned.
            self.note("note", note=f"the rest of the steps skipped: {exc}")
            self.finished = True
        except _CAUGHT as exc:
            message = next(say(exc) for kind, say in _ERRORS if isinstance(exc, kind))
            self.record_failure(self.fail(message).failure)
        finally:
            if self.conn is not None:
                self.conn.close()
        return self.result

    async def run_steps(self, steps: tuple[Step, ...]) -> None:
        """Run *steps* in order, recording each."""
        kinds = STEP_KINDS
        done, times = self._steps, self._step_times
        for step in steps:
            self.current = step
            self.current_started = perf_counter()
            await kinds[type(step)].run(self, step)
            # ``step_done(step, PASSED)``, inlined: this is the hot path of every round trip.
            now = perf_counter()
            if len(done) >= 2 * self.history_limit:
                self._log.drop_steps(self.history_limit)
            started = self.current_started  # a repeat restores its own start
            done.append(step)
            times.append(started - self.clock.started)
            times.append(now - started)

    def interrupted_failure(self, message: str) -> Failure:
        """A failure describing where this unfinished actor was when the scenario stopped."""
        received = self.buffer.peek() if self.buffer else None
        return self.fail(message, received=received).failure

    def _timeout_failure(self) -> StepFailed:
        step = self.current
        waited = perf_counter() - self.current_started
        if step is None:
            what = "the step"
            if self.connecting_to is not None:
                what = f"a connection to {self.connecting_to}"
            return timeout_failure(self, waited, what)
        kind = STEP_KINDS[type(step)]
        if kind.timed_out is not None:
            return kind.timed_out(self, step, waited)
        what = kind.waiting_for(step) if kind.waiting_for is not None else "the step"
        return timeout_failure(self, waited, what)

    # -- the step interface -------------------------------------------------

    def need_conn(self) -> Connection:
        """The open connection; a failure when it is closed or was never opened."""
        if self.conn is None or self.closed_by is not None:
            raise self.fail(
                f"the connection is already closed ({self.closed_by or 'never opened'})"
            )
        return self.conn

    def capture(self, captures: dict[str, str]) -> None:
        """Keep regex captures: this actor's first, then the scenario's."""
        self.captures.update(captures)
        self.state.captures.update(captures)

    def set_event(self, name: str) -> None:
        self.state.event(name).set()

    async def wait_event(self, name: str) -> None:
        await self.state.event(name).wait()

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(seconds)

    async def checkpoint(self) -> None:
        await trio.lowlevel.checkpoint()

    async def within(self, seconds: float, work: Callable[[], Awaitable[bytes]]) -> bytes | None:
        """Run *work* for at most *seconds*: its result, or None when the time ran out."""
        with trio.move_on_after(seconds):
            return await work()
        return None
