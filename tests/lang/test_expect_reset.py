"""expect_reset: a reset told apart from an orderly close and from data, on both sides."""

from __future__ import annotations

import pytest

from sockscen.errors import ConfigError, Location
from sockscen.loader import load_text
from sockscen.results import Outcome
from sockscen.steps import describe_step
from sockscen.steps.expect_reset import ExpectReset
from sockscen.testing import MemoryConnection
from tests.engine.conftest import RunYaml, assert_passed, explain
from tests.steps.test_step_kinds import events, failure_of, run_steps

HERE = Location("steps.yaml", 7, 9)


def test_passes_on_a_reset_and_the_transcript_says_so() -> None:
    async def peer(conn: MemoryConnection) -> None:
        conn.abort()

    result = run_steps((ExpectReset("1", HERE),), peer)
    assert result.outcome is Outcome.PASSED
    assert [e[0] for e in events(result)] == ["reset"]
    assert describe_step(ExpectReset("1", HERE)) == "expect_reset"


def test_an_orderly_close_fails_it() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await conn.shutdown()

    failure = failure_of(run_steps((ExpectReset("1", HERE),), peer))
    assert failure.message == (
        "expected the peer to reset the connection, but it closed it in an orderly way "
        "(end of stream, TCP FIN)"
    )
    assert failure.expected_text == "a reset (TCP RST)"


def test_data_first_fails_it() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await conn.send(b"late")
        conn.abort()

    failure = failure_of(run_steps((ExpectReset("1", HERE),), peer))
    assert failure.message == (
        "expected the peer to reset the connection, but 4 more bytes arrived first"
    )
    assert failure.received == b"late"


def test_a_timeout_names_what_it_waited_for() -> None:
    failure = failure_of(run_steps((ExpectReset("1", HERE, timeout=1.0),)))
    assert failure.message.endswith("waiting for the peer to reset the connection")


def test_refused_on_datagram_actors_and_with_two_timeouts() -> None:
    text = (
        "name: x\nclients:\n  c:\n    connect: udp://127.0.0.1:7\n    steps:\n"
        "      - expect_reset\n"
    )
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    (problem,) = [str(p) for p in info.value.problems]
    assert problem.startswith("s.yaml:6:9: error:")
    assert "expect_reset" in problem
    text = (
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n"
        "      - expect_reset: {timeout: 1s}\n        timeout: 2s\n"
    )
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    assert [str(p) for p in info.value.problems] == [
        "s.yaml:7:9: error: expect_reset has two timeouts; keep one"
    ]


def test_both_sides_on_loopback(run_yaml: RunYaml) -> None:
    """The client resets; the server's handler expects it, and its transcript shows it."""
    result = run_yaml(
        """
        name: resets both ways
        servers:
          srv:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: {regex: "(?P<who>[a-z]+)\\n"}
              - send: "ok\\n"
              - expect_reset
        clients:
          a:
            connect: ${srv.url}
            steps:
              - send: "a\\n"
              - expect: "ok\\n"
              - abort
        """
    )
    assert_passed(result)
    server_side = [a for a in result.actors if a.actor.startswith("srv#")]
    assert server_side
    assert any(e.kind == "reset" for e in server_side[0].transcript)


def test_a_close_is_not_a_reset_on_loopback(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: close is not reset
        servers:
          srv:
            listen: tcp://127.0.0.1:0
            handle:
              - close
        clients:
          c:
            connect: ${srv.url}
            steps:
              - expect_reset: {timeout: 2s}
        """
    )
    assert result.outcome is Outcome.FAILED, explain(result)
    assert result.failures[0].message.startswith(
        "expected the peer to reset the connection, but it closed it in an orderly way"
    )


def test_a_server_reset_seen_by_the_client_on_loopback(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: server resets
        servers:
          srv:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: "hi"
              - abort
        clients:
          c:
            connect: ${srv.url}
            steps:
              - send: "hi"
              - expect_reset
        """
    )
    assert_passed(result)
