"""What every kind of test shares: turning a scenario text into scenarios, and running them.

``run_text`` is the one way tests run a scenario written inline; the
``run_yaml`` fixture wraps it for tests that write their YAML indented.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from sockscen.engine import RunOptions, run
from sockscen.loader import load_text
from sockscen.model import Scenario
from sockscen.results import ScenarioResult

RunYaml = Callable[..., ScenarioResult]


def load_scenarios(text: str, directory: Path, filename: str = "test.yaml") -> list[Scenario]:
    """The scenarios of *text*, as if read from *filename* in *directory*."""
    return load_text(text, str(directory / filename), str(directory))


def run_text(
    text: str, directory: Path, filename: str = "test.yaml", **options: object
) -> ScenarioResult:
    """Run the single scenario of *text* (from *filename* in *directory*) and return its result."""
    scenarios = load_scenarios(text, directory, filename)
    result = run(scenarios, RunOptions(**options), handle_signals=False)  # type: ignore[arg-type]
    assert len(result.scenarios) == 1
    return result.scenarios[0]


@pytest.fixture
def run_yaml(tmp_path: Path) -> RunYaml:
    """Run the single scenario in a YAML text (dedented) and return its result."""

    def runner(text: str, **options: object) -> ScenarioResult:
        source = textwrap.dedent(text)
        (tmp_path / "scenario.yaml").write_text(source)
        return run_text(source, tmp_path, "scenario.yaml", **options)

    return runner
