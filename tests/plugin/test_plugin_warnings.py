"""Located warnings about a scenario file reach pytest's warnings summary and fail nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .plugin_support import RunPytest

Write = Callable[[str, str], Path]


def test_a_single_quoted_escape_is_a_pytest_warning(run_pytest: RunPytest, write: Write) -> None:
    write(
        "scenarios/quoted.yaml",
        """\
        name: quoted
        clients:
          c:
            command: [printf, 'a\\n']
        """,
    )
    result = run_pytest("scenarios")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        ["*quoted.yaml:4:23: warning: this single-quoted string holds \\n as a backslash*"]
    )
