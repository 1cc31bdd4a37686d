"""An actor's result whose transcript and step results are built only when read.

Every send and receive adds a transcript entry and every step a step
result; building those frozen objects costs more than the rest of a step,
and thousands of connections would keep millions of them for the garbage
collector to walk.  The actor keeps them column by column instead
(``RawLog``: arrays of numbers, lists of shared references), and
``LiveResult`` builds the ``TranscriptEntry`` and ``StepResult`` objects the
first time a reporter reads them: a run nobody reports on in detail never
builds them.  The objects built are the same, field for field, as if built
at once.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any, TypeVar

from ..model import Step
from ..results import ActorResult, EventKind, Outcome, StepResult, TranscriptEntry
from .registry import STEP_KINDS

_T = TypeVar("_T")

# The slots of ActorResult that LiveResult's properties stand in front of.
_TRANSCRIPT: Any = ActorResult.__dict__["transcript"]
_STEPS: Any = ActorResult.__dict__["steps"]
#: Stands in a slot until its list is first read (never handed out, never changed).
_UNBUILT: list[Any] = []


class RawLog:
    """What an actor recorded, in columns: appended on the hot path, built when read.

    Transcript entry *i* is ``(times[i], kinds[i], data[i], sizes[i], notes[i])``;
    step result *i* is ``steps[i]`` started at ``step_times[2i]`` for
    ``step_times[2i + 1]`` seconds, ``PASSED`` unless ``outcomes`` says otherwise
    (keyed by the step's number counting the ``dropped_steps``).  ``edits``
    counts changes other than appends, so a reader knows its built copy is stale.
    """

    __slots__ = (
        "data",
        "dropped_steps",
        "edits",
        "kinds",
        "label",
        "notes",
        "outcomes",
        "sizes",
        "step_times",
        "steps",
        "times",
    )

    def __init__(self, label: str) -> None:
        self.label = label
        self.times = array("d")
        self.kinds: list[EventKind] = []
        self.data: list[bytes] = []
        self.sizes = array("q")
        self.notes: list[str] = []
        self.steps: list[Step] = []
        self.step_times = array("d")
        self.outcomes: dict[int, Outcome] = {}
        self.dropped_steps = 0
        self.edits = 0

    def insert_entry(self, index: int, time: float, kind: EventKind, note: str) -> None:
        """Insert a note (no data) before entry *index*."""
        self.times.insert(index, time)
        self.kinds.insert(index, kind)
        self.data.insert(index, b"")
        self.sizes.insert(index, 0)
        self.notes.insert(index, note)

    def delete_entries(self, start: int, end: int) -> None:
        """Drop entries ``start`` to ``end - 1``."""
        for column in (self.times, self.kinds, self.data, self.sizes, self.notes):
            del column[start:end]

    def drop_steps(self, count: int) -> None:
        """Drop the oldest *count* step results."""
        del self.steps[:count]
        del self.step_times[: 2 * count]
        self.dropped_steps += count
        self.edits += 1

    def transcript(self) -> list[TranscriptEntry]:
        """The transcript entries, built."""
        label = self.label
        return [
            TranscriptEntry(time, label, kind, data, size, note)
            for time, kind, data, size, note in zip(
                self.times, self.kinds, self.data, self.sizes, self.notes, strict=True
            )
        ]

    def step_results(self) -> list[StepResult]:
        """The step results, built."""
        times, outcomes, first = self.step_times, self.outcomes, self.dropped_steps
        passed = Outcome.PASSED
        return [
            StepResult(
                step.label,
                STEP_KINDS[type(step)].key,
                step.location,
                outcomes.get(first + i, passed),
                times[2 * i],
                times[2 * i + 1],
            )
            for i, step in enumerate(self.steps)
        ]


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
        super().__init__(steps=_UNBUILT, transcript=_UNBUILT, **fields)

    def _fresh(self, slot: Any, seen: str, count: int, build: Callable[[], list[_T]]) -> list[_T]:
        """The list in *slot*, built on first read and rebuilt in place once the log has grown
        (*count*) or been edited since; *seen* names the attribute remembering when."""
        built: list[_T] = slot.__get__(self)
        now = (count, self._log.edits)
        if built is _UNBUILT:
            built = []
            slot.__set__(self, built)
            setattr(self, seen, (-1, -1))
        if now != getattr(self, seen):
            setattr(self, seen, now)
            built[:] = build()
        return built

    @property
    def transcript(self) -> list[TranscriptEntry]:
        log = self._log
        return self._fresh(_TRANSCRIPT, "_seen_transcript", len(log.times), log.transcript)

    @transcript.setter
    def transcript(self, value: list[TranscriptEntry]) -> None:
        _TRANSCRIPT.__set__(self, value)

    @property
    def steps(self) -> list[StepResult]:
        log = self._log
        return self._fresh(_STEPS, "_seen_steps", len(log.steps), log.step_results)

    @steps.setter
    def steps(self, value: list[StepResult]) -> None:
        _STEPS.__set__(self, value)

    def __reduce__(self) -> tuple[Any, ...]:
        # A plain ActorResult travels (to another process, a cache): the log stays here.
        names = ("actor", "name", "role", "outcome", "copy", "steps", "transcript", "failure")
        return (ActorResult, tuple(getattr(self, name) for name in (*names, "output")))
