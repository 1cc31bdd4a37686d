"""Result objects: what running scenarios produced, and all reporters ever see.

Plain dataclasses of plain values (bytes, str, float), no trio and no YAML,
so the console, JSON, JUnit and pytest reporters are functions of these.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

from .errors import Location

#: Longest piece of data kept per transcript entry; the full size is kept in ``size``.
TRANSCRIPT_DATA_LIMIT = 64 * 1024


class Outcome(str, enum.Enum):
    """How a scenario, actor or step ended."""

    PASSED = "passed"
    FAILED = "failed"  # the system under test misbehaved
    ERROR = "error"  # the scenario could not be set up (server did not start, ...)
    SKIPPED = "skipped"  # not run: -x stopped the run, or Ctrl-C came first


#: Which side an actor is on; ``scenario`` is for failures of the scenario as a whole.
Role = Literal["client", "server", "process-client", "process-server", "scenario"]

#: Transcript event kinds.  ``sent``/``received`` carry data; the others are notes.
EventKind = Literal[
    "sent",
    "received",
    "eof",
    "connected",
    "accepted",
    "closed",
    "shutdown",
    "abort",
    "reset",
    "notify",
    "wait",
    "started",
    "exited",
    "stdout",
    "stderr",
    "note",
]


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    """One thing that happened on an actor's connection.

    ``time`` is seconds since the scenario started.  ``data`` holds at most
    ``TRANSCRIPT_DATA_LIMIT`` bytes; ``size`` is the real size.  ``peer`` is a
    datagram sender or a connection's remote address when it helps.
    """

    time: float
    actor: str
    kind: EventKind
    data: bytes = b""
    size: int = 0
    note: str = ""

    @property
    def truncated(self) -> bool:
        return self.size > len(self.data)


@dataclass(frozen=True, slots=True)
class Failure:
    """Why an actor (or the scenario) failed, located and with the evidence.

    ``actor`` is the display name (``alice``, ``alice[3]`` for copy 3 of a
    ``count`` client, ``echo#2`` for a server's second connection); ``role``
    says whether it was the client or the server side.  ``step`` is the
    step's label and ``step_text`` a one-line rendering of it
    (``expect "hello\\n"``).  ``expected``/``received`` are the bytes when
    there are bytes to show; ``expected_text`` describes non-byte
    expectations (a regex, a JSON subset, an exit code).  ``waited`` is how
    long the step waited before giving up.  ``details`` are extra lines
    (a process's output tail, a hint).
    """

    actor: str
    role: Role
    message: str
    step: str | None = None
    step_text: str | None = None
    location: Location | None = None
    expected: bytes | None = None
    expected_text: str | None = None
    received: bytes | None = None
    waited: float | None = None
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StepResult:
    """One executed step: its label, kind (``send``, ``expect``...), where it is, how it went."""

    label: str
    kind: str
    location: Location
    outcome: Outcome
    started: float
    duration: float


@dataclass(frozen=True, slots=True)
class ProcessOutput:
    """What a process printed (tails, bounded) and how it ended."""

    argv: tuple[str, ...]
    pid: int | None
    stdout: bytes
    stderr: bytes
    stdout_truncated: int = 0  # bytes dropped from the front
    stderr_truncated: int = 0
    returncode: int | None = None  # negative: killed by that signal
    stopped_by_runner: bool = False


@dataclass(slots=True)
class ActorResult:
    """What one actor (one client copy, one server connection, one process) did."""

    actor: str
    name: str
    role: Role
    outcome: Outcome
    copy: int | None = None
    steps: list[StepResult] = field(default_factory=list)
    transcript: list[TranscriptEntry] = field(default_factory=list)
    failure: Failure | None = None
    output: ProcessOutput | None = None


@dataclass(slots=True)
class ScenarioResult:
    """The outcome of one scenario.

    ``failures`` lists every failure in the order they happened (the first is
    usually the cause); ``error`` holds a setup error's message when
    ``outcome`` is ``ERROR``.  ``started_at`` is wall-clock (epoch seconds).
    """

    id: str
    name: str
    path: str
    line: int
    tags: tuple[str, ...]
    outcome: Outcome
    duration: float
    started_at: float
    actors: list[ActorResult] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None
    error_location: Location | None = None
    #: The OS error behind a setup error (``OSError: [Errno 98] Address already in use``).
    error_cause: str | None = None
    #: ``(path, size)`` of each file written from ``files:`` (reports show no contents).
    files: list[tuple[str, int]] = field(default_factory=list)

    @property
    def location(self) -> Location:
        return Location(self.path, self.line, 1)

    @property
    def transcript(self) -> list[TranscriptEntry]:
        """Every actor's transcript merged in time order."""
        entries = [e for a in self.actors for e in a.transcript]
        entries.sort(key=lambda e: e.time)
        return entries

    @property
    def outputs(self) -> list[tuple[str, ProcessOutput]]:
        """(actor, output) of every process this scenario ran."""
        return [(a.actor, a.output) for a in self.actors if a.output is not None]


@dataclass(slots=True)
class RunResult:
    """A whole run: every scenario's result plus run metadata."""

    scenarios: list[ScenarioResult]
    started_at: float
    duration: float
    interrupted: bool = False
    options: dict[str, object] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for s in self.scenarios if s.outcome is outcome)

    @property
    def passed(self) -> int:
        return self.count(Outcome.PASSED)

    @property
    def failed(self) -> int:
        return self.count(Outcome.FAILED)

    @property
    def errors(self) -> int:
        return self.count(Outcome.ERROR)

    @property
    def skipped(self) -> int:
        return self.count(Outcome.SKIPPED)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.errors == 0 and not self.interrupted
