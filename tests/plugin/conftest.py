"""Fixtures for the pytest-plugin tests: an inner pytest that loads sockscen's plugin.

The inner pytest runs in a subprocess (``runpytest_subprocess``): the plugin
runs scenarios with trio and must see a fresh interpreter, as a user's
pytest would.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from .plugin_support import PLUGIN_ARGS, RunPytest, pythonpath


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester whose subprocesses can import sockscen from the source tree."""
    monkeypatch.setenv("PYTHONPATH", pythonpath())
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    # Wide enough that pytest's short summary lines are not cut.
    monkeypatch.setenv("COLUMNS", "250")
    return pytester


@pytest.fixture
def run_pytest(inner: pytest.Pytester) -> RunPytest:
    """Run the inner pytest in a subprocess with the plugin loaded; ``-p no:cacheprovider``
    keeps ``--lf`` state out of the temporary project."""

    def run(*args: str) -> pytest.RunResult:
        return inner.runpytest_subprocess(
            *PLUGIN_ARGS, "-p", "no:cacheprovider", *args, timeout=120
        )

    return run


@pytest.fixture
def write(inner: pytest.Pytester) -> Callable[[str, str], Path]:
    """Write a file (relative to the inner project), creating its folders."""

    def write_file(relative: str, text: str) -> Path:
        path = inner.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write_file
