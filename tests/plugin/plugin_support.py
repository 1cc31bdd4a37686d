"""Scenario texts and constants shared by the pytest-plugin tests."""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[2] / "runner"


def _entry_point_installed() -> bool:
    return any(ep.name == "sockscen" for ep in entry_points(group="pytest11"))


#: Before sockscen is installed its ``pytest11`` entry point does not exist, so the
#: plugin is loaded with ``-p``; once installed, ``-p`` would register it twice.
PLUGIN_ARGS: tuple[str, ...] = () if _entry_point_installed() else ("-p", "sockscen.pytest_plugin")


def pythonpath() -> str:
    """PYTHONPATH for a subprocess that must import sockscen from the source tree."""
    return os.pathsep.join(filter(None, [str(RUNNER), os.environ.get("PYTHONPATH")]))


RunPytest = Callable[..., pytest.RunResult]
