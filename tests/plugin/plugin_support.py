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


GREETING = """\
name: greeting server thanks every client
tags: [tcp, smoke]
servers:
  greeter:
    listen: tcp://127.0.0.1:0
    handle:
      - send: "Thank you for connecting"
      - close
clients:
  visitor:
    connect: ${greeter.url}
    steps:
      - expect: "Thank you for connecting"
      - expect_eof
"""

# The client expects other bytes than the server sends: line 12 is the failing step.
WRONG_GREETING = """\
name: greeting is not what the client expects
tags: [tcp]
servers:
  greeter:
    listen: tcp://127.0.0.1:0
    handle:
      - send: "Thank you for connecting"
      - close
clients:
  visitor:
    connect: ${greeter.url}
    steps:
      - expect: "Welcome, visitor"
"""

# A Unix socket in a folder that does not exist cannot be bound: a setup error.
UNBINDABLE = """\
name: server cannot listen
servers:
  ghost:
    listen: unix:/nonexistent-sockscen-dir/ghost.sock
    handle:
      - close
clients:
  visitor:
    connect: ${ghost.url}
    steps:
      - expect_eof
"""

ECHO = """\
name: {name}
tags: [{tag}]
servers:
  echo:
    listen: tcp://127.0.0.1:0
    handle:
      - repeat:
          steps:
            - expect: {{regex: "(?P<word>[a-z]+)\\n"}}
            - send: "${{word}}\\n"
clients:
  alice:
    connect: ${{echo.url}}
    steps:
      - send: "hello\\n"
      - expect: "hello\\n"
      - send: "bye\\n"
      - expect: "bye\\n"
      - close
"""

# Line 4 has a misspelt key (`lisen`), line 9 a wrong type (a number as address).
INVALID = """\
name: broken
servers:
  echo:
    lisen: tcp://127.0.0.1:0
    handle:
      - close
clients:
  alice:
    connect: 42
    steps:
      - expect_eof
"""


def echo(name: str, tag: str = "tcp") -> str:
    return ECHO.format(name=name, tag=tag)


RunPytest = Callable[..., pytest.RunResult]
