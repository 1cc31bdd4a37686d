"""The exit code of an interrupted run: 128 + the signal's number, as a shell reports it."""

from __future__ import annotations

import pytest

from sockscen.cli.exits import EXIT_OK, run_exit_code
from sockscen.results import RunResult


@pytest.mark.parametrize(
    ("signal", "code"), [("SIGINT", 130), ("SIGTERM", 143), ("SIGHUP", 129), (None, 130)]
)
def test_an_interrupted_run_exits_with_its_signals_code(signal: str | None, code: int) -> None:
    run = RunResult([], 0.0, 0.0, interrupted=True)
    if signal is not None:
        run.options["signal"] = signal
    assert run_exit_code(run) == code


def test_a_signal_noted_on_a_run_that_ended_anyway_does_not_set_the_code() -> None:
    run = RunResult([], 0.0, 0.0)
    run.options["signal"] = "SIGHUP"
    assert run_exit_code(run) == EXIT_OK
