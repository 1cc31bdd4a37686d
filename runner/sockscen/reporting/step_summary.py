"""The Markdown job summary of GitHub Actions (``$GITHUB_STEP_SUMMARY``).

GitHub shows the file a step appends to ``$GITHUB_STEP_SUMMARY`` on the run's
summary page.  sockscen appends a heading with the counts and a table of the
scenarios that did not pass (or of the problems of invalid files), every one
of them: annotations stop at ten per step, the summary does not, up to
``MAX_ROWS`` rows (GitHub refuses summaries over 1 MiB).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from ..errors import Problem
from ..rendering import plural
from ..results import Outcome, RunResult
from .failure import failure_summary

__all__ = ["MAX_ROWS", "problems_markdown", "run_markdown", "write_step_summary"]

MAX_ROWS = 500
#: The longest text kept in one table cell.
_CELL = 300


def _cell(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _CELL:
        text = text[: _CELL - 3] + "..."
    # A pipe ends the cell, a backtick or an angle bracket would start markup.
    for char in "\\|`<>*_[]":
        text = text.replace(char, "\\" + char)
    return text


def _table(header: Sequence[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows[:MAX_ROWS])
    if len(rows) > MAX_ROWS:
        lines.append(f"\n... and {len(rows) - MAX_ROWS} more (see the log)")
    return lines


def run_markdown(run: RunResult) -> str:
    """A heading with the counts and a table of the failed, errored and skipped scenarios."""
    from .console import summary_line

    mark = ":x:" if run.failed or run.errors else ":white_check_mark:"
    lines = [f"### {mark} sockscen: {summary_line(run)}", ""]
    rows = [
        [r.outcome.value.upper(), r.name, f"{r.path}:{r.line}", failure_summary(r)]
        for r in run.scenarios
        if r.outcome is not Outcome.PASSED
    ]
    if rows:
        lines.extend(_table(["outcome", "scenario", "where", "why"], rows))
    return "\n".join(lines) + "\n"


def problems_markdown(problems: Sequence[Problem]) -> str:
    """A heading and a table of every problem of invalid scenario files."""
    files = {p.location.path for p in problems if p.location is not None}
    head = f"{plural(len(problems), 'problem')} in {plural(len(files), 'file')}"
    lines = [f"### :x: sockscen: invalid scenario files: {head}", ""]
    rows = [
        [str(p.location) if p.location else "", p.message + (f" ({p.hint})" if p.hint else "")]
        for p in problems
    ]
    lines.extend(_table(["where", "problem"], rows))
    return "\n".join(lines) + "\n"


def write_step_summary(markdown: str, env: Mapping[str, str] | None = None) -> str | None:
    """Append *markdown* to ``$GITHUB_STEP_SUMMARY`` when it is set.

    Returns an error message when the file could not be written (a summary is
    a courtesy: the caller prints it and carries on), else None.
    """
    env = os.environ if env is None else env
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    try:
        with open(target, "a", encoding="utf-8") as f:
            f.write(markdown + "\n")
    except OSError as exc:
        return f"sockscen: GITHUB_STEP_SUMMARY {target}: could not write: {exc.strerror or exc}"
    return None
