"""Engine tests: real loopback sockets, scenarios written as YAML text."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from sockscen.engine import RunOptions, run
from sockscen.loader import load_text
from sockscen.results import Outcome, ScenarioResult

RunYaml = Callable[..., ScenarioResult]


@pytest.fixture
def run_yaml(tmp_path: Path) -> RunYaml:
    """Run the single scenario in a YAML text (dedented) and return its result."""

    def runner(text: str, **options: object) -> ScenarioResult:
        path = tmp_path / "scenario.yaml"
        source = textwrap.dedent(text)
        path.write_text(source)
        scenarios = load_text(source, str(path), str(tmp_path))
        assert len(scenarios) == 1
        result = run(scenarios, RunOptions(**options), handle_signals=False)  # type: ignore[arg-type]
        return result.scenarios[0]

    return runner


def explain(result: ScenarioResult) -> str:
    """The failures of a result, for assertion messages."""
    return "\n".join(f"{f.actor} step {f.step}: {f.message}" for f in result.failures) or str(
        result.error
    )


def assert_passed(result: ScenarioResult) -> None:
    assert result.outcome is Outcome.PASSED, explain(result)
