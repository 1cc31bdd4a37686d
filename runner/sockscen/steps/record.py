"""What an actor records: its transcript, its step results, its failure.

Bounded, so a long ``repeat`` cannot eat memory.  Step results: beyond
twice ``history_limit`` the oldest half is dropped.  The transcript's bounds
are ``steps.transcript``'s.  Both are kept as tuples and built into result
objects when read (``steps.live_result``).
"""

from __future__ import annotations

from time import perf_counter

from ..errors import Location
from ..model import Step
from ..results import Failure, Outcome, Role
from .interface import StepFailed
from .live_result import LiveResult, RawLog
from .registry import describe_step
from .transcript import ACTOR_FLOOR, ENTRY_COST, HISTORY_LIMIT, BoundedTranscript, Clock

__all__ = ["ACTOR_FLOOR", "ENTRY_COST", "HISTORY_LIMIT", "ActorRecord"]


class ActorRecord(BoundedTranscript):
    """The result of one actor as it runs: transcript, steps, failure, and where it is now.

    Times are seconds since ``clock.started``, read when each is recorded.
    """

    __slots__ = (
        "_step_times",
        "_steps",
        "current",
        "current_started",
        "home",
        "iteration",
        "label",
        "result",
    )

    def __init__(
        self, clock: Clock, *, label: str, name: str, role: Role, copy: int | None = None
    ) -> None:
        log = RawLog(label)
        super().__init__(clock, log)
        self.label = label
        self.result = LiveResult(
            log, actor=label, name=name, role=role, outcome=Outcome.PASSED, copy=copy
        )
        self._steps, self._step_times = log.steps, log.step_times
        self.current: Step | None = None
        self.current_started = 0.0
        #: Iteration numbers of the repeats being run, outermost first.
        self.iteration: tuple[int, ...] = ()
        #: Where failures outside any step point (a client's declaration).
        self.home: Location | None = None

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
        """Build the ``StepFailed`` for the current step, or *step* (raise it)."""
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

    def step_done(self, step: Step, outcome: Outcome) -> None:
        """Record a finished step (``current_started`` is when it started)."""
        now = perf_counter()
        log = self._log
        if len(log.steps) >= 2 * self.history_limit:
            log.drop_steps(self.history_limit)
        if outcome is not Outcome.PASSED:
            log.outcomes[log.dropped_steps + len(log.steps)] = outcome
        started = self.current_started
        log.steps.append(step)
        log.step_times.append(started - self.clock.started)
        log.step_times.append(now - started)

    def record_failure(self, failure: Failure) -> None:
        """End the actor as failed (the current step too)."""
        self.result.failure = failure
        self.result.outcome = Outcome.FAILED
        if self.current is not None:
            self.step_done(self.current, Outcome.FAILED)
