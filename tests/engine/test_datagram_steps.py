"""Datagram servers and clients over UDP and Unix datagram sockets."""

from __future__ import annotations

from pathlib import Path

import pytest

from sockscen.engine import senders
from sockscen.results import Outcome
from sockscen.transport.datagrams import _ReceiveBuffer

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


def test_a_unix_datagram_over_64_kib_arrives_whole(run_yaml: RunYaml, tmp_path: Path) -> None:
    """It was cut to 65,536 bytes silently (and a regex expect then passed)."""
    (tmp_path / "a.bin").write_bytes(b"a" * 100_000)
    (tmp_path / "b.bin").write_bytes(b"b" * 100_000)
    result = run_yaml(
        """
        name: big unixgram
        servers:
          s:
            listen: unixgram:big.sock
            handle:
              - expect: {length: 100000}
              - send: {file: b.bin}
        clients:
          c:
            connect: ${s.url}
            steps:
              - send: {file: a.bin}
              - expect: {length: 100000}
        """
    )
    assert_passed(result)


def test_a_datagram_larger_than_sockscen_receives_fails_saying_it_was_cut(
    run_yaml: RunYaml, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "a.bin").write_bytes(b"a" * 100_000)
    monkeypatch.setattr(_ReceiveBuffer, "unix_limit", 70_000)
    monkeypatch.setattr(_ReceiveBuffer, "buffer", None)
    result = run_yaml(
        """
        name: too big unixgram
        servers:
          s:
            listen: unixgram:big.sock
            handle:
              - expect: {regex: "a+"}
        clients:
          c:
            connect: ${s.url}
            steps:
              - send: {file: a.bin}
              - sleep: 5s
        """
    )
    assert result.outcome is Outcome.FAILED
    assert "a datagram of 100,000 bytes from" in result.failures[0].message
    assert "was cut to the 70,000 bytes sockscen can receive" in result.failures[0].message


def test_a_datagram_server_caps_its_senders(
    run_yaml: RunYaml, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each sender costs a handler and its transcript: past the cap the server fails, saying so."""
    monkeypatch.setattr(senders, "MAX_SENDERS", 3)
    result = run_yaml(
        """
        name: many senders
        servers:
          s:
            listen: udp://127.0.0.1:0
            handle:
              - expect: {any: true}
        clients:
          c:
            connect: ${s.url}
            count: 5
            steps:
              - send: hi
              - sleep: 5s
        """
    )
    assert result.outcome is Outcome.FAILED
    assert next(f.message for f in result.failures if f.role == "server").startswith(
        "more than 3 senders: the datagram from udp://127.0.0.1:"
    )
