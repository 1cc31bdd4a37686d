"""The verdict: what a scenario's run amounts to, from plain evidence to a ``ScenarioResult``.

Pure on purpose (no trio, no sockets): everything the run saw is handed in
as result objects, so the rules below -- which outcome wins, which actors
count as skipped -- can be read and tested on their own.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import InternalError, SetupError, root_os_error
from ..model import Scenario
from ..results import ActorResult, Failure, Outcome, ScenarioResult

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup


@dataclass
class Evidence:
    """What one scenario's run left behind, in report order."""

    actors: list[ActorResult] = field(default_factory=list)
    #: Results of actors that never finished (stopped by a failure elsewhere, or the timeout).
    unfinished: set[int] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    setup_error: SetupError | InternalError | None = None
    interrupted: bool = False
    completed: bool = False
    started_at: float = 0.0


def verdict(scenario: Scenario, evidence: Evidence) -> ScenarioResult:
    """The ``ScenarioResult`` of *scenario* given what its run left behind."""
    actors = evidence.actors
    for actor in actors:
        if (
            actor.failure is None
            and actor.outcome is Outcome.PASSED
            and id(actor) in evidence.unfinished
        ):
            actor.outcome = Outcome.SKIPPED
    setup_error = evidence.setup_error
    if setup_error is not None:
        outcome = Outcome.ERROR
    elif evidence.interrupted and not evidence.completed:
        outcome = Outcome.SKIPPED
    elif evidence.failures:
        outcome = Outcome.FAILED
    else:
        outcome = Outcome.PASSED
    result = _result(scenario, outcome)
    started_at = evidence.started_at
    if started_at:
        result.started_at = started_at
        result.duration = time.time() - started_at
    result.actors = actors
    result.failures = evidence.failures
    if setup_error is not None:
        result.error = setup_error.message
        result.error_location = setup_error.location
        result.error_cause = _os_cause(setup_error)
    elif outcome is Outcome.SKIPPED:
        result.error = "interrupted"
    return result


def _os_cause(error: BaseException) -> str | None:
    cause = root_os_error(error)
    return None if cause is None else f"{type(cause).__name__}: {cause}"


def timeout_message(scenario: Scenario) -> str:
    """What a scenario timeout says, in every failure it causes."""
    return f"the scenario timed out after {scenario.timeout:g}s (timeout: in the scenario)"


def internal_error(scenario: Scenario, exc: BaseException) -> InternalError:
    """*exc*, a bug in sockscen, as the error that ends *scenario* as ERROR."""
    leaves = _leaf_exceptions(exc)
    text = "; ".join(f"{type(e).__name__}: {e}" for e in leaves) or repr(exc)
    error = InternalError(
        f"internal error in sockscen (this is a bug, please report it): {text}",
        scenario.location,
    )
    error.__cause__ = exc
    return error


def _leaf_exceptions(exc: BaseException) -> Sequence[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaf_exceptions(inner)]
    return [exc]


def not_run(scenario: Scenario) -> ScenarioResult:
    """The result of a scenario that never started (the run was stopped first)."""
    result = _result(scenario, Outcome.SKIPPED)
    result.error = "not run"
    return result


def _result(scenario: Scenario, outcome: Outcome) -> ScenarioResult:
    """A result naming *scenario*, with *outcome* and nothing else yet (no time spent)."""
    return ScenarioResult(
        id=scenario.id,
        name=scenario.name,
        path=scenario.path,
        line=scenario.location.line,
        tags=scenario.tags,
        outcome=outcome,
        duration=0.0,
        started_at=time.time(),
    )
