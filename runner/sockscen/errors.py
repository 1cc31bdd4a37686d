"""The exception tree of sockscen and the source locations errors point at.

```
SockscenError
├── ConfigError        a bad scenario file (holds every problem)   -> exit 2
├── SetupError         a server did not start, bind/connect failed  -> error
├── InternalError      a bug in sockscen met while running a scenario -> error
└── transport.TransportError  a socket call failed: a step's failure, or a SetupError
```

Failures of the system under test are *values* (``results.Failure``), never
exceptions.  ``SetupError`` and ``InternalError`` are the engine's boundary:
raised where the world cannot be built (or sockscen itself broke) and turned
into the scenario's ERROR result.  Each keeps what caused it as
``__cause__`` (``raise ... from exc``): the OS error behind a failed bind is
still there for ``-v`` to show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Location:
    """A place in a scenario file: 1-based line and column."""

    path: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    @property
    def short(self) -> str:
        """``path:line``, the form used in reports and pytest locations."""
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, placed where an editor can jump to it."""

    location: Location | None
    message: str
    hint: str | None = None
    #: ``error`` (the file is refused) or ``warning`` (shown, never changes the exit code).
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location is not None else ""
        text = f"{where}{self.severity}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        if loc is None:
            return ("", 0, 0, self.message)
        return (loc.path, loc.line, loc.col, self.message)


class SockscenError(Exception):
    """Base class of every error sockscen raises on purpose."""


@dataclass
class ConfigError(SockscenError):
    """Raised when one or more scenario files are invalid.

    Holds *every* problem found in every file, sorted by location, so a user
    fixes them all in one pass (like pytest's collection errors).
    """

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Two checks may find the same mistake: say it once.
        unique = dict.fromkeys(self.problems)
        self.problems = sorted(unique, key=lambda p: p.sort_key)
        super().__init__(self.render())

    def render(self) -> str:
        """All problems, one per line, in ``path:line:col: error: message`` form."""
        return "\n".join(str(p) for p in self.problems)

    @classmethod
    def merge(cls, errors: Iterable[ConfigError]) -> ConfigError:
        """One error holding the problems of several."""
        return cls([p for e in errors for p in e.problems])


class SetupError(SockscenError):
    """Raised when the world a scenario needs cannot be built.

    Examples: a port already in use, a command that does not exist, a server
    that never became ready.  Reported as an *error*, not a failure.
    """

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


class InternalError(SockscenError):
    """A bug in sockscen met while running a scenario: that scenario is an ERROR, the run goes on.

    ``__cause__`` is the exception that escaped; ``message`` names it.
    """

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


def root_os_error(exc: BaseException) -> OSError | None:
    """The first ``OSError`` in *exc*'s chain of causes (what the system said), or None."""
    seen: set[int] = set()
    cause = exc.__cause__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, OSError):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__
    return None
