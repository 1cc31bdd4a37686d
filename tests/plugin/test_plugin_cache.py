"""Collection reads unchanged files back from <rootdir>/.sockscen_cache, unless told not to."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .plugin_support import PLUGIN_ARGS, RunPytest

Write = Callable[[str, str], Path]

SCENARIO = """\
name: quoted
clients:
  c:
    command: [printf, 'a\\n']
"""


def _entries(root: Path) -> list[Path]:
    entries = root / ".sockscen_cache" / "v1"
    return list(entries.iterdir()) if entries.is_dir() else []


def test_a_second_session_reads_the_cache_and_reports_the_same(
    run_pytest: RunPytest, write: Write, inner: pytest.Pytester
) -> None:
    write("scenarios/quoted.yaml", SCENARIO)
    for _ in range(2):
        result = run_pytest("scenarios")
        result.assert_outcomes(passed=1, warnings=1)
        result.stdout.fnmatch_lines(
            ["*quoted.yaml:4:23: warning: this single-quoted string holds \\n as a backslash*"]
        )
        assert len(_entries(inner.path)) == 1


def test_no_cache_writes_nothing(
    run_pytest: RunPytest, write: Write, inner: pytest.Pytester
) -> None:
    write("scenarios/quoted.yaml", SCENARIO)
    run_pytest("--sockscen-no-cache", "scenarios").assert_outcomes(passed=1, warnings=1)
    assert not (inner.path / ".sockscen_cache").exists()


def test_cache_clear_empties_it(write: Write, inner: pytest.Pytester) -> None:
    write("scenarios/quoted.yaml", SCENARIO)
    stale = inner.path / ".sockscen_cache" / "v1" / "stale"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left by an older file")
    # With pytest's cache plugin, whose --cache-clear empties sockscen's cache too.
    result = inner.runpytest_subprocess(*PLUGIN_ARGS, "--cache-clear", "scenarios", timeout=120)
    result.assert_outcomes(passed=1, warnings=1)
    assert not stale.exists()
    assert len(_entries(inner.path)) == 1
