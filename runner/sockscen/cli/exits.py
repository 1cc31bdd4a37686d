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
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


def run_exit_code(run: RunResult) -> int:
    """The exit code of a finished (or interrupted) run."""
    if run.interrupted:
        return EXIT_SIGTERM if run.options.get("signal") == "SIGTERM" else EXIT_SIGINT
    return EXIT_OK if run.ok else EXIT_FAILED
