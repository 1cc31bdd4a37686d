"""An actor's result whose transcript and step results are built only when read.

Every send and receive adds a transcript entry and every step a step
result; building those frozen objects costs more than the rest of a step.
The actor keeps plain tuples instead (``RawLog``), and ``LiveResult`` turns
them into ``TranscriptEntry`` and ``StepResult`` objects the first time a
reporter reads them: a run nobody reports on in detail never builds them.
The objects built are the same, field for field, as if built at once.
"""

from __future__ import annotations

from typing import Any

from ..errors import Location
from ..model import Step
from ..results import ActorResult, Outcome, StepResult, TranscriptEntry
from .registry import STEP_KINDS

#: A transcript entry as kept: (time, kind, data, size, note); the label is added when built.
RawEntry = tuple[float, Any, bytes, int, str]
#: A step result as kept: (step, outcome, started, duration).
RawStep = tuple[Step, Outcome, float, float]

# The slots of ActorResult that LiveResult's properties stand in front of.
_TRANSCRIPT: Any = ActorResult.__dict__["transcript"]
_STEPS: Any = ActorResult.__dict__["steps"]


class RawLog:
    """What an actor recorded, as tuples: appended on the hot path, built when read.

    ``edits`` counts changes other than appends (elisions, dropped steps), so a
    reader knows its built copy is stale even when the length did not change.
    """

    __slots__ = ("edits", "entries", "label", "steps")

    def __init__(self, label: str) -> None:
        self.label = label
        self.entries: list[RawEntry] = []
        self.steps: list[RawStep] = []
        self.edits = 0


class LiveResult(ActorResult):
    """An ``ActorResult`` whose ``transcript`` and ``steps`` are built from a ``RawLog`` when read.

    Reading returns the same list object each time, rebuilt in place only when
    the log changed since (so a reporter that edits it in place, as masking
    does, keeps its edits).
    """

    __slots__ = ("_log", "_seen_steps", "_seen_transcript")

    def __init__(self, log: RawLog, **fields: Any) -> None:
        self._log = log
        self._seen_transcript = (0, 0)
        self._seen_steps = (0, 0)
        super().__init__(**fields)

    @property
    def transcript(self) -> list[TranscriptEntry]:
        built: list[TranscriptEntry] = _TRANSCRIPT.__get__(self)
        log = self._log
        seen = (len(log.entries), log.edits)
        if seen != self._seen_transcript:
            self._seen_transcript = seen
            label = log.label
            built[:] = [
                TranscriptEntry(time, label, kind, data, size, note)
                for time, kind, data, size, note in log.entries
            ]
        return built

    @transcript.setter
    def transcript(self, value: list[TranscriptEntry]) -> None:
        _TRANSCRIPT.__set__(self, value)

    @property
    def steps(self) -> list[StepResult]:
        built: list[StepResult] = _STEPS.__get__(self)
        log = self._log
        seen = (len(log.steps), log.edits)
        if seen != self._seen_steps:
            self._seen_steps = seen
            built[:] = [_step_result(*raw) for raw in log.steps]
        return built

    @steps.setter
    def steps(self, value: list[StepResult]) -> None:
        _STEPS.__set__(self, value)

    def __reduce__(self) -> tuple[Any, ...]:
        # A plain ActorResult travels (to an xdist controller, a cache): the log stays here.
        names = ("actor", "name", "role", "outcome", "copy", "steps", "transcript", "failure")
        return (ActorResult, tuple(getattr(self, name) for name in (*names, "output")))


def _step_result(step: Step, outcome: Outcome, started: float, duration: float) -> StepResult:
    location: Location = step.location
    return StepResult(step.label, STEP_KINDS[type(step)].key, location, outcome, started, duration)
