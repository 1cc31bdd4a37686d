"""Scenario texts and constants shared by the pytest-plugin tests."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[2] / "runner"


#: Loading the plugin with ``-p`` works before sockscen is installed, and is harmless
#: after: the ``pytest11`` entry point has the module's name, so pytest sees it loaded.
PLUGIN_ARGS: tuple[str, ...] = ("-p", "sockscen.pytest_plugin")


def pythonpath() -> str:
    """PYTHONPATH for a subprocess that must import sockscen from the source tree."""
    return os.pathsep.join(filter(None, [str(RUNNER), os.environ.get("PYTHONPATH")]))


RunPytest = Callable[..., pytest.RunResult]
