"""Engine tests: real loopback sockets, scenarios written as YAML text (``run_yaml``)."""

from __future__ import annotations

from sockscen.results import Outcome, ScenarioResult
from tests.conftest import RunYaml

__all__ = ["RunYaml", "assert_passed", "explain"]


def explain(result: ScenarioResult) -> str:
    """The failures of a result, for assertion messages."""
    return "\n".join(f"{f.actor} step {f.step}: {f.message}" for f in result.failures) or str(
        result.error
    )


def assert_passed(result: ScenarioResult) -> None:
    assert result.outcome is Outcome.PASSED, explain(result)
