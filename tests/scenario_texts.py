"""Scenario texts shared by the CLI end-to-end tests and the pytest-plugin tests."""

from __future__ import annotations

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

# Line 13 is the step that fails: the server says something else.
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

ECHO_TEMPLATE = """\
name: {name}
tags: [{tag}]
servers:
  echo:
    listen: {listen}
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

# Line 4 has a misspelt key (`lisen`), line 9 a number where an address belongs.
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


def echo(name: str, tag: str = "tcp", listen: str = "tcp://127.0.0.1:0") -> str:
    """An echo scenario named *name* with one tag."""
    return ECHO_TEMPLATE.format(name=name, tag=tag, listen=listen)
