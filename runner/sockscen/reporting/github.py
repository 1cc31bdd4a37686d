"""GitHub Actions annotations: failures shown on the scenario file in the pull request.

Each failure (and each setup error) becomes one workflow command::

    ::error file=scenarios/echo.yaml,line=17,title=echo returns each line::client alice ...

placed at the failing step's ``file:line`` (the scenario's line when the
failure has no step).  Values are escaped as the Actions runner expects:
in the message ``%``, CR and LF become ``%25``, ``%0D``, ``%0A``; in the
``key=value`` properties ``:`` and ``,`` are escaped too (``%3A``, ``%2C``),
since they separate the properties.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..rendering import plural
from ..results import Outcome, RunResult, ScenarioResult
from .failure import failure_evidence, failure_headline, failure_summary, group_copies


def escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(file: str, line: int, title: str, message: str) -> str:
    props = ",".join(
        f"{key}={escape_property(value)}"
        for key, value in (("file", file), ("line", str(line)), ("title", title))
    )
    return f"::error {props}::{escape_data(message)}"


def scenario_annotations(result: ScenarioResult) -> list[str]:
    """The annotations of one scenario: one per failure, or one for a setup error."""
    if result.outcome not in (Outcome.FAILED, Outcome.ERROR):
        return []
    title = f"{result.outcome.value.upper()}: {result.name}"
    commands = []
    if result.error:
        where = result.error_location
        file, line = (where.path, where.line) if where else (result.path, result.line)
        commands.append(_command(file, line, title, result.error))
    for failure, alike in group_copies(result):
        where = failure.location
        file, line = (where.path, where.line) if where else (result.path, result.line)
        lines = [failure_headline(result, failure), *failure_evidence(failure)]
        if alike:
            lines.append(
                f"... and {plural(len(alike), 'more copy', 'more copies')} failed the same way"
            )
        commands.append(_command(file, line, title, "\n".join(lines)))
    if not commands:
        # A failed result should always say why; still point at the scenario if it does not.
        commands.append(_command(result.path, result.line, title, failure_summary(result)))
    return commands


def github_annotations(run: RunResult) -> list[str]:
    """``::error`` workflow commands for every failed or errored scenario of *run*."""
    return [command for result in run.scenarios for command in scenario_annotations(result)]


def github_enabled(env: Mapping[str, str] | None = None) -> bool:
    """True inside a GitHub Actions job (``GITHUB_ACTIONS=true``)."""
    env = os.environ if env is None else env
    return env.get("GITHUB_ACTIONS") == "true"
