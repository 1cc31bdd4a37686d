"""What an actor records: its transcript, its step results, its failure.

Bounded: beyond twice ``HISTORY_LIMIT`` entries the oldest half is dropped
(and counted), so a long ``repeat`` cannot eat memory.
"""

from __future__ import annotations

from time import perf_counter
from typing import Protocol

from ..errors import Location
from ..model import Step
from ..results import (
    TRANSCRIPT_DATA_LIMIT,
    ActorResult,
    EventKind,
    Failure,
    Outcome,
    Role,
    StepResult,
    TranscriptEntry,
)
from .interface import StepFailed
from .registry import STEP_KINDS, describe_step

#: Transcript entries and step results kept per actor (see the module docstring).
HISTORY_LIMIT = 20_000


class Clock(Protocol):
    """Where the scenario's clock starts (a ``perf_counter`` value, set when it starts)."""

    started: float


class ActorRecord:
    """The result of one actor as it runs: transcript, steps, failure, and where it is now.

    Times are seconds since ``clock.started``, read when each is recorded.
    """

    def __init__(
        self, clock: Clock, *, label: str, name: str, role: Role, copy: int | None = None
    ) -> None:
        self.clock = clock
        self.label = label
        self.result = ActorResult(
            actor=label, name=name, role=role, outcome=Outcome.PASSED, copy=copy
        )
        self.current: Step | None = None
        self.current_started = 0.0
        #: Iteration numbers of the repeats being run, outermost first.
        self.iteration: list[int] = []
        #: Where failures outside any step point (a client's declaration).
        self.home: Location | None = None
        self.dropped_events = 0
        self.dropped_steps = 0
        #: Entries kept (see the module docstring); long-lived servers may keep fewer.
        self.history_limit = HISTORY_LIMIT

    def now(self) -> float:
        """Seconds since the scenario started."""
        return perf_counter() - self.clock.started

    def note(self, kind: EventKind, data: bytes = b"", note: str = "") -> None:
        """Add a transcript entry (data beyond ``TRANSCRIPT_DATA_LIMIT`` is counted, not kept)."""
        transcript = self.result.transcript
        transcript.append(
            TranscriptEntry(
                self.now(), self.label, kind, data[:TRANSCRIPT_DATA_LIMIT], len(data), note
            )
        )
        limit = self.history_limit
        if len(transcript) > 2 * limit:
            del transcript[:limit]
            self.dropped_events += limit

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
        """Record a finished step."""
        now = perf_counter()
        steps = self.result.steps
        limit = self.history_limit
        if len(steps) >= 2 * limit:
            del steps[:limit]
            self.dropped_steps += limit
        steps.append(
            StepResult(
                step.label,
                STEP_KINDS[type(step)].key,
                step.location,
                outcome,
                self.current_started - self.clock.started,
                now - self.current_started,
            )
        )

    def record_failure(self, failure: Failure) -> None:
        """End the actor as failed (the current step too)."""
        self.result.failure = failure
        self.result.outcome = Outcome.FAILED
        if self.current is not None:
            self.step_done(self.current, Outcome.FAILED)

    def mark_dropped(self) -> None:
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
