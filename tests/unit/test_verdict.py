"""The verdict is pure: from what a run saw to the outcome a user reads, no sockets, no trio."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sockscen.engine.verdict import Evidence, internal_error, not_run, verdict
from sockscen.errors import Location, SetupError
from sockscen.model import Scenario
from sockscen.results import ActorResult, Failure, Outcome
from tests.conftest import load_scenarios

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

TEXT = """\
name: one client
clients:
  c:
    connect: tcp://127.0.0.1:9
    steps: [expect_eof]
"""


@pytest.fixture
def scenario(tmp_path: Path) -> Scenario:
    (only,) = load_scenarios(TEXT, tmp_path)
    return only


def failure() -> Failure:
    return Failure(actor="c", role="client", message="boom", location=Location("t.yaml", 5))


def test_nothing_wrong_passes(scenario: Scenario) -> None:
    result = verdict(scenario, Evidence(completed=True, started_at=1.0))
    assert (Outcome.PASSED, None, 1.0) == (result.outcome, result.error, result.started_at)


def test_a_setup_error_wins_over_failures_and_keeps_its_os_error(scenario: Scenario) -> None:
    error = SetupError("server 's': cannot listen", Location("t.yaml", 3))
    error.__cause__ = RuntimeError("wrapped")
    error.__cause__.__cause__ = ConnectionRefusedError(111, "Connection refused")
    result = verdict(scenario, Evidence(failures=[failure()], setup_error=error, completed=True))
    assert Outcome.ERROR is result.outcome
    assert ("server 's': cannot listen", Location("t.yaml", 3)) == (
        result.error,
        result.error_location,
    )
    assert "ConnectionRefusedError: [Errno 111] Connection refused" == result.error_cause


def test_an_interrupted_run_is_skipped_and_its_unfinished_actors_too(scenario: Scenario) -> None:
    running = ActorResult(actor="c", name="c", role="client", outcome=Outcome.PASSED)
    evidence = Evidence(actors=[running], unfinished={id(running)}, interrupted=True)
    result = verdict(scenario, evidence)
    assert (Outcome.SKIPPED, "interrupted") == (result.outcome, result.error)
    assert Outcome.SKIPPED is running.outcome


def test_a_failure_fails(scenario: Scenario) -> None:
    result = verdict(scenario, Evidence(failures=[failure()], completed=True))
    assert (Outcome.FAILED, None) == (result.outcome, result.error_cause)


def test_a_bug_is_an_error_naming_every_leaf_exception(scenario: Scenario) -> None:
    group = ExceptionGroup("bugs", [ZeroDivisionError("a"), KeyError("b")])
    error = internal_error(scenario, group)
    assert error.message == (
        "internal error in sockscen (this is a bug, please report it): "
        "ZeroDivisionError: a; KeyError: 'b'"
    )
    assert group is error.__cause__
    assert Outcome.ERROR is verdict(scenario, Evidence(setup_error=error)).outcome


def test_a_scenario_never_started_is_skipped_as_not_run(scenario: Scenario) -> None:
    result = not_run(scenario)
    assert (Outcome.SKIPPED, "not run", 0.0) == (result.outcome, result.error, result.duration)
