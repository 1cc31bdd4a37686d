"""Datagram servers and clients over UDP and Unix datagram sockets."""

from __future__ import annotations

from .conftest import RunYaml, assert_passed


def test_udp_handler_runs_per_sender(run_yaml: RunYaml) -> None:
    """Each of five UDP client copies gets its own handler; replies go to the right sender."""
    result = run_yaml(
        """
        name: qotd
        servers:
          qotd:
            listen: udp://127.0.0.1:0
            connections: 5
            handle:
              - expect: {any: true}
              - send: "The only way to do great work is to love what you do."
        clients:
          reader:
            connect: ${qotd.url}
            count: 5
            steps:
              - send: ""
              - expect: {regex: "The only way .*"}
        """
    )
    assert_passed(result)
    assert len([a for a in result.actors if a.role == "server"]) == 5


def test_udp_regex_must_match_whole_datagram(run_yaml: RunYaml) -> None:
    """On datagrams a regex matches the whole datagram; a prefix match is not enough."""
    result = run_yaml(
        """
        name: udp-regex
        servers:
          s:
            listen: udp://127.0.0.1:0
            handle:
              - expect: ping
              - send: "pong and more"
        clients:
          c:
            connect: ${s.url}
            steps:
              - send: ping
              - expect: {regex: "pong"}
        """
    )
    assert result.outcome.value == "failed"
    assert "whole message" in result.failures[0].message


def test_unixgram_echo_with_repeat(run_yaml: RunYaml) -> None:
    """unixgram: the client binds a private path to get replies; repeat loops per datagram."""
    result = run_yaml(
        """
        name: unixgram echo
        servers:
          echo:
            listen: unixgram:echo.sock
            handle:
              - repeat:
                  steps:
                    - expect: {regex: "(?P<d>.*)"}
                    - send: "${d}"
        clients:
          c:
            connect: ${echo.url}
            steps:
              - send: one
              - expect: one
              - send: two
              - expect: two
        """
    )
    assert_passed(result)


def test_udp_expect_silence_and_counted_repeat(run_yaml: RunYaml) -> None:
    """A counted repeat answers exactly N datagrams; nothing arrives after that."""
    result = run_yaml(
        """
        name: counted
        servers:
          s:
            listen: udp://127.0.0.1:0
            handle:
              - repeat:
                  count: 3
                  steps:
                    - expect: {length: 4}
                    - send: ack
        clients:
          c:
            connect: ${s.url}
            steps:
              - repeat:
                  count: 3
                  steps:
                    - send: "abcd"
                    - expect: ack
              - send: "abcd"
              - expect_silence: 100ms
        """
    )
    assert_passed(result)
