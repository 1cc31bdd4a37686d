"""The exit codes of the ``sockscen`` command (the table is in ``sockscen.cli``'s docstring)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..results import RunResult

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_NO_SCENARIO = 5
EXIT_SIGHUP = 129
EXIT_SIGINT = 130
EXIT_SIGTERM = 143

#: 128 + the signal's number, as a shell reports a program the signal ended.
_SIGNAL_EXITS = {"SIGHUP": EXIT_SIGHUP, "SIGTERM": EXIT_SIGTERM}


def run_exit_code(run: RunResult) -> int:
    """The exit code of a finished (or interrupted) run."""
    if run.interrupted:
        return _SIGNAL_EXITS.get(str(run.options.get("signal")), EXIT_SIGINT)
    return EXIT_OK if run.ok else EXIT_FAILED
