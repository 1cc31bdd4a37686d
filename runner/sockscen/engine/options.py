"""How a run is run: capacity, the default step timeout, fail-fast, the read-buffer limit."""

from __future__ import annotations

import functools
import math
import os
import secrets
from dataclasses import dataclass

from ..model import DEFAULT_MAX_BUFFER, DEFAULT_STEP_TIMEOUT

#: Connections being opened at once across a run: beyond the kernel's accept
#: backlog, connects stall for a second in SYN retransmission.
MAX_CONNECTS_IN_FLIGHT = 512


@functools.cache
def cores() -> int:
    """The machine's CPUs (looked up once: os.cpu_count() reads /sys each time)."""
    return os.cpu_count() or 1


def default_jobs() -> int:
    """How many scenarios ``auto`` starts at once before it looks at the CPU (several per core:
    network waits dominate)."""
    return max(4, 4 * cores())


@dataclass(frozen=True)
class RunOptions:
    """How to run: capacity, default step timeout, fail-fast, read-buffer limit."""

    #: Scenarios at once: N, or None for ``auto`` (engine/capacity.py: follows the CPU).  0 is
    #: taken as ``auto`` too (the faces' spelling of it: ``-j 0``, ``jobs=0``) and stored as None.
    jobs: int | None = None
    step_timeout: float | None = None
    exitfirst: bool = False
    max_buffer: int = DEFAULT_MAX_BUFFER
    #: Where random fault decisions come from; None: a random one, chosen when the run starts.
    seed: int | None = None
    #: Start no new scenario after this many failures and errors (0: no limit).
    maxfail: int = 0

    def __post_init__(self) -> None:
        # The command line checks its flags; a library caller's values are checked here,
        # so a wrong one is named, not a failure deep inside trio.
        problem = _problem(self)
        if problem is not None:
            raise ValueError(f"RunOptions: {problem}")
        # One value means auto from here on, whichever spelling a face used.
        if self.jobs == 0:
            object.__setattr__(self, "jobs", None)

    @property
    def stop_after(self) -> int:
        """Failures after which no new scenario starts (0: never); ``exitfirst`` is 1."""
        return 1 if self.exitfirst else self.maxfail

    @property
    def effective_step_timeout(self) -> float:
        """The step timeout in force: the option, else the language's default."""
        return self.step_timeout if self.step_timeout is not None else DEFAULT_STEP_TIMEOUT

    def as_dict(self) -> dict[str, object]:
        """The options as reports record them (``jobs``: a number, or ``"auto"``)."""
        return {
            "jobs": "auto" if self.jobs is None else self.jobs,
            "step_timeout": self.effective_step_timeout,
            "exitfirst": self.exitfirst,
            "maxfail": self.stop_after,
            "max_buffer": self.max_buffer,
            "seed": self.seed,
        }


def _problem(options: RunOptions) -> str | None:
    """What is wrong with *options*, or None."""
    jobs, timeout = options.jobs, options.step_timeout
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 0):
        return f"jobs must be a whole number of scenarios at once (0 or None: auto), not {jobs!r}"
    if timeout is not None and (
        isinstance(timeout, bool)
        or not (isinstance(timeout, int | float) and 0 < timeout < math.inf)
    ):
        return f"step_timeout must be a positive number of seconds, not {timeout!r}"
    if isinstance(options.max_buffer, bool) or not isinstance(options.max_buffer, int):
        return f"max_buffer must be a whole number of bytes, not {options.max_buffer!r}"
    if options.max_buffer <= 0:
        return f"max_buffer must be a positive number of bytes, not {options.max_buffer!r}"
    if isinstance(options.maxfail, bool) or not isinstance(options.maxfail, int):
        return f"maxfail must be a whole number (0: no limit), not {options.maxfail!r}"
    if options.maxfail < 0:
        return f"maxfail must be 0 (no limit) or more, not {options.maxfail!r}"
    seed = options.seed
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64
    ):
        return f"seed must be a whole number from 0 to 2**64 - 1, not {seed!r}"
    return None


def random_seed() -> int:
    """A fresh seed for a run that was given none."""
    return secrets.randbelow(2**32)


#: The options of a run that was given none.
DEFAULT_OPTIONS = RunOptions()
