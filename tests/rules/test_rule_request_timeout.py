"""A rule server's ``timeout`` bounds a whole request, not each read of it.

A peer trickling a request a byte at a time, each byte well within the
timeout, must not hold the request open past it (a slow-loris peer).
"""

from __future__ import annotations

from sockscen.results import Outcome
from tests.conftest import RunYaml

TRICKLE = """
name: trickle
servers:
  kv:
    listen: tcp://127.0.0.1:0
    framing: line
    timeout: 400ms
    rules:
      - {when: PING, reply: PONG}
clients:
  c:
    connect: ${kv.url}
    steps:
      - send: "{payload}"
        chunk: 1
        gap: 100ms
      - expect: "PONG\\n"
"""


def test_a_request_trickled_past_the_timeout_fails(run_yaml: RunYaml) -> None:
    result = run_yaml(TRICKLE.replace("{payload}", "PPPPPPPPPPPPPPPING\\n"))
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.actor == "kv#1"
    assert failure.message == "a request stayed incomplete for 0.4s (the server's timeout)"


def test_a_request_trickled_within_the_timeout_is_answered(run_yaml: RunYaml) -> None:
    result = run_yaml(TRICKLE.replace("{payload}", "PING\\n").replace("400ms", "3s"))
    assert result.outcome is Outcome.PASSED, result.failures
