"""A rule whose regex backtracks catastrophically on a peer's request.

The match is bounded (``regexes.DEFAULT_TIMEOUT``); the request is then not
answered by ``default`` as if the rule had not matched, since nobody can say
whether it did: the connection fails, naming the rule and why.
"""

from __future__ import annotations

from sockscen.regexes import GaveUp
from sockscen.results import Outcome
from sockscen.rules import _GAVE_UP
from tests.conftest import RunYaml

EVIL = "a" * 100 + "b"

FRAMED = f"""
name: evil
servers:
  kv:
    listen: tcp://127.0.0.1:0
    framing: line
    rules:
      - when: PING
        reply: PONG
      - when: {{regex: "EVIL (a|aa)+$"}}
        reply: evil
    default: {{reply: ERR}}
clients:
  c:
    connect: ${{kv.url}}
    framing: line
    steps:
      - send: PING
      - expect: PONG
      - send: "EVIL {EVIL}"
      - expect: ERR
"""

UNFRAMED = f"""
name: evil stream
servers:
  raw:
    listen: tcp://127.0.0.1:0
    rules:
      - when: {{regex: "(a|aa)+c"}}
        reply: evil
    default: {{reply: ERR}}
clients:
  c:
    connect: ${{raw.url}}
    steps:
      - send: "{EVIL}"
      - expect: ERR
"""


def test_the_gave_up_prefix_is_the_one_regexes_writes() -> None:
    assert GaveUp(1.0).reason.startswith(_GAVE_UP)


def test_a_framed_request_the_regex_gives_up_on_fails_at_the_rule(run_yaml: RunYaml) -> None:
    result = run_yaml(FRAMED)
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.actor == "kv#1"
    assert failure.message.startswith("rule 2 could not decide on a request: regex gave up after")
    assert failure.received == f"EVIL {EVIL}".encode()
    assert failure.location is not None
    assert failure.location.line == 10


def test_an_unframed_request_the_regex_gives_up_on_fails_too(run_yaml: RunYaml) -> None:
    result = run_yaml(UNFRAMED)
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.actor == "raw#1"
    assert "rule 1 could not decide on a request: regex gave up after" in failure.message
