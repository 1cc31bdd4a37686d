"""GitHub Actions annotations: failures shown on the scenario file in the pull request.

Each failure (and each setup error) becomes one workflow command::

    ::error file=scenarios/echo.yaml,line=17,title=echo returns each line::client alice ...

placed at the failing step's ``file:line`` (the scenario's line when the
failure has no step); each problem of an invalid file becomes one too, at
its ``file:line:col``.  Values are escaped as the Actions runner expects:
in the message ``%``, CR and LF become ``%25``, ``%0D``, ``%0A``; in the
``key=value`` properties ``:`` and ``,`` are escaped too (``%3A``, ``%2C``),
since they separate the properties.

GitHub places an annotation on a file only when its path is relative to the
repository checkout: paths are made relative to ``GITHUB_WORKSPACE`` when it
is set (sockscen may run in a subfolder).  GitHub shows at most
``ANNOTATION_LIMIT`` error annotations per step and drops the rest
silently, so past that many the last one says how many more there are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import Problem
from ..rendering import plural
from ..results import Outcome, RunResult, ScenarioResult
from .failure import failure_evidence, failure_headline, failure_summary, group_copies


def escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


#: Error annotations GitHub shows per step.
ANNOTATION_LIMIT = 10


def workspace_path(path: str, env: Mapping[str, str] | None = None) -> str:
    """*path* relative to ``GITHUB_WORKSPACE`` when it is inside it (else unchanged)."""
    env = os.environ if env is None else env
    workspace = env.get("GITHUB_WORKSPACE")
    if not workspace:
        return path
    full = Path(os.path.abspath(path))
    try:
        return full.relative_to(os.path.abspath(workspace)).as_posix()
    except ValueError:
        return path


def _command(
    file: str | None,
    line: int | None,
    title: str,
    message: str,
    col: int | None = None,
) -> str:
    fields = [
        (key, value)
        for key, value in (
            ("file", None if file is None else workspace_path(file)),
            ("line", None if line is None else str(line)),
            ("col", None if col is None else str(col)),
            ("title", title),
        )
        if value is not None
    ]
    props = ",".join(f"{key}={escape_property(value)}" for key, value in fields)
    return f"::error {props}::{escape_data(message)}"


def within_limit(commands: Sequence[str], what: str = "failure") -> list[str]:
    """*commands*, or the first ones and a last saying how many more were left out."""
    if len(commands) <= ANNOTATION_LIMIT:
        return list(commands)
    kept = ANNOTATION_LIMIT - 1
    more = len(commands) - kept
    summary = _command(
        None,
        None,
        f"sockscen: {plural(more, f'more {what}')}",
        f"GitHub shows {ANNOTATION_LIMIT} annotations per step: {plural(more, f'more {what}')} "
        "not annotated; the log (and the job summary) has every one",
    )
    return [*commands[:kept], summary]


def problem_annotations(problems: Sequence[Problem]) -> list[str]:
    """One ``::error`` per problem of invalid scenario files, at its ``file:line:col``."""
    commands = []
    for problem in problems:
        where = problem.location
        message = problem.message + (f" ({problem.hint})" if problem.hint else "")
        if where is None:
            commands.append(_command(None, None, "invalid scenario file", message))
        else:
            commands.append(
                _command(where.path, where.line, "invalid scenario file", message, where.col)
            )
    return within_limit(commands, "problem")


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
    """``::error`` workflow commands for every failed or errored scenario of *run*.

    At most ``ANNOTATION_LIMIT``: the last says how many more failures there are.
    """
    commands = [command for result in run.scenarios for command in scenario_annotations(result)]
    return within_limit(commands)


def github_enabled(env: Mapping[str, str] | None = None) -> bool:
    """True inside a GitHub Actions job (``GITHUB_ACTIONS=true``)."""
    env = os.environ if env is None else env
    return env.get("GITHUB_ACTIONS") == "true"
