"""Faults and proxies over real loopback sockets: TCP, UDP, Unix stream, unixgram, across them."""

from __future__ import annotations

import pytest

from sockscen.results import Outcome, ScenarioResult

from .conftest import RunYaml, assert_passed, explain


def sent_by(result: ScenarioResult, label: str) -> list[bytes]:
    actor = next(a for a in result.actors if a.actor == label)
    return [e.data for e in actor.transcript if e.kind == "sent"]


def test_server_delay_and_slice_reach_the_client_late_and_in_pieces(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: sliced
        servers:
          s:
            listen: tcp://127.0.0.1:0
            faults: [{delay: 50ms}, {slice: {size: 4, gap: 10ms}}]
            handle:
              - send: "hello world"
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: "hello world"
        """
    )
    assert_passed(result)
    assert [b"hell", b"o wo", b"rld"] == sent_by(result, "s#1")
    client = next(a for a in result.actors if a.actor == "c")
    times = [e.time for e in client.transcript if e.kind == "received"]
    assert times[-1] - times[0] >= 0.015


def test_truncate_ends_the_servers_script_and_the_client_sees_eof(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: truncated
        servers:
          s:
            listen: unix:s.sock
            faults: [{truncate: 3}]
            handle:
              - send: "hello"
              - expect: "never sent"
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: "hel"
              - expect_eof
        """
    )
    assert_passed(result)


def test_reset_after_resets_a_tcp_client(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: reset
        servers:
          s:
            listen: tcp://127.0.0.1:0
            faults: [{reset_after: 2}]
            handle:
              - send: "hello"
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: "he"
              - expect_eof
        """
    )
    assert result.outcome is Outcome.FAILED
    assert "reset" in explain(result)


def test_refuse_resets_every_connection_at_once(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: refused
        servers:
          s:
            listen: tcp://127.0.0.1:0
            faults: [{refuse: true}]
            connections: 1
            handle:
              - send: "never"
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: "never"
        """
    )
    assert result.outcome is Outcome.FAILED
    assert "reset" in explain(result)
    assert [b""] != sent_by(result, "s#1")
    assert [] == sent_by(result, "s#1")


def test_hang_sends_nothing_and_keeps_the_connection_open(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: hangs
        servers:
          s:
            listen: tcp://127.0.0.1:0
            faults: [{hang: true}]
            handle:
              - send: "you will not see this"
              - close
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect_silence: 200ms
        """
    )
    assert_passed(result)


def test_slow_close_delays_the_eof(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: slow close
        servers:
          s:
            listen: tcp://127.0.0.1:0
            faults: [{slow_close: 300ms}]
            handle:
              - send: "bye"
              - close
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: "bye"
              - expect_silence: 150ms
              - expect_eof
        """
    )
    assert_passed(result)


def test_client_faults_delay_what_it_sends(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: slow client
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect_silence: 100ms
              - expect: "late"
        clients:
          c:
            connect: ${s.url}
            faults: [{delay: 200ms}]
            steps:
              - send: "late"
        """
    )
    assert_passed(result)


@pytest.mark.parametrize("scheme", ["udp://127.0.0.1:0", "unixgram:s.sock"])
def test_datagram_faults_drop_duplicate_corrupt(run_yaml: RunYaml, scheme: str) -> None:
    result = run_yaml(
        f"""
        name: datagrams
        servers:
          s:
            listen: {scheme}
            faults: [{{duplicate: 1}}, {{corrupt: 1}}]
            handle:
              - expect: "ping"
              - send: {{hex: "00 00 00"}}
        clients:
          c:
            connect: ${{s.url}}
            steps:
              - send: "ping"
              - expect: {{length: 3}}
              - expect: {{length: 3}}
        """
    )
    assert_passed(result)
    sent = sent_by(result, "s#1")
    assert 2 == len(sent)
    assert all(1 == d.count(0xFF) for d in sent)


def test_dropped_datagrams_never_arrive(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: lossy
        servers:
          s:
            listen: udp://127.0.0.1:0
            faults: [{drop: 1}]
            handle:
              - expect: "ping"
              - send: "pong"
        clients:
          c:
            connect: ${s.url}
            steps:
              - send: "ping"
              - expect_silence: 100ms
        """
    )
    assert_passed(result)


SLICED = """
    name: replay
    servers:
      s:
        listen: tcp://127.0.0.1:0
        faults: [{slice: {size: 4, variation: 3}}, {delay: 1ms, jitter: 1ms, probability: 0.5}]
        handle:
          - send: "abcdefghijklmnopqrstuvwxyz0123456789"
    clients:
      c:
        connect: ${s.url}
        steps:
          - expect: "abcdefghijklmnopqrstuvwxyz0123456789"
    """


def test_the_same_seed_replays_the_same_pieces(run_yaml: RunYaml) -> None:
    first = sent_by(run_yaml(SLICED, seed=11), "s#1")
    again = sent_by(run_yaml(SLICED, seed=11), "s#1")
    other = [sent_by(run_yaml(SLICED, seed=s), "s#1") for s in (12, 13, 14)]
    assert first == again
    assert any(o != first for o in other)


PROXIED = """
    name: proxied
    servers:
      s:
        listen: {server}
        handle:
          - expect: "ping"
          - send: "pong pong"
          - expect_eof
    proxies:
      p:
        listen: {proxy}
        upstream: ${{s.url}}
        upstream_faults: [{{delay: 10ms}}]
        downstream_faults: [{{slice: {{size: 3, gap: 2ms}}}}]
        connections: 1
    clients:
      c:
        connect: ${{p.url}}
        steps:
          - send: ping
          - expect: "pong pong"
          - shutdown
          - expect_eof
    """


@pytest.mark.parametrize(
    ("server", "proxy"),
    [
        ("tcp://127.0.0.1:0", "tcp://127.0.0.1:0"),
        ("tcp://127.0.0.1:0", "unix:p.sock"),
        ("unix:s.sock", "tcp://127.0.0.1:0"),
        ("unix:s.sock", "unix:p.sock"),
    ],
)
def test_stream_proxies_relay_both_ways_with_half_close(
    run_yaml: RunYaml, server: str, proxy: str
) -> None:
    result = run_yaml(PROXIED.format(server=server, proxy=proxy))
    assert_passed(result)
    relay = next(a for a in result.actors if a.actor == "p#1")
    assert [b"ping", b"pon", b"g p", b"ong"] == [
        e.data for e in relay.transcript if e.kind == "sent"
    ]
    assert 2 == sum(e.kind == "eof" for e in relay.transcript)


def test_a_proxy_passes_a_reset_on(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: reset through
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: "ping"
              - abort
        proxies:
          p:
            listen: tcp://127.0.0.1:0
            upstream: ${s.url}
        clients:
          c:
            connect: ${p.url}
            steps:
              - send: ping
              - expect_eof
        """
    )
    assert result.outcome is Outcome.FAILED
    assert "reset" in explain(result)


@pytest.mark.parametrize(
    ("server", "proxy"),
    [
        ("udp://127.0.0.1:0", "udp://127.0.0.1:0"),
        ("udp://127.0.0.1:0", "unixgram:p.sock"),
        ("unixgram:s.sock", "udp://127.0.0.1:0"),
    ],
)
def test_datagram_proxies_relay_sender_by_sender(
    run_yaml: RunYaml, server: str, proxy: str
) -> None:
    result = run_yaml(
        f"""
        name: datagram proxy
        servers:
          s:
            listen: {server}
            connections: 2
            handle:
              - expect: {{regex: "(?P<who>\\\\w+)"}}
              - send: "hi ${{who}}"
        proxies:
          p:
            listen: {proxy}
            upstream: ${{s.url}}
            connections: 2
            downstream_faults: [{{duplicate: 1}}]
        clients:
          a:
            connect: ${{p.url}}
            steps:
              - send: "alice"
              - expect: "hi alice"
              - expect: "hi alice"
          b:
            connect: ${{p.url}}
            steps:
              - send: "bob"
              - expect: "hi bob"
              - expect: "hi bob"
        """
    )
    assert_passed(result)


def test_a_proxy_reset_after_cuts_the_client_and_closes_the_upstream(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: cut
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: "ping"
              - send: "0123456789"
              - expect_eof
        proxies:
          p:
            listen: unix:p.sock
            upstream: ${s.url}
            downstream_faults: [{reset_after: 4}]
        clients:
          c:
            connect: ${p.url}
            steps:
              - send: ping
              - expect: "0123"
              - expect_eof
        """
    )
    assert_passed(result)


def test_a_wrong_proxy_connection_count_fails_at_its_line(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: counted
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle: [close]
        proxies:
          p:
            listen: tcp://127.0.0.1:0
            upstream: ${s.url}
            connections: 2
        clients:
          c:
            connect: ${p.url}
            steps: [expect_eof]
        """
    )
    assert result.outcome is Outcome.FAILED
    assert "expected 2 connections through proxy 'p', 1 arrived" in explain(result)
    assert 11 == result.failures[0].location.line


def test_a_rule_servers_replies_go_through_its_faults(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: sliced rules
        servers:
          r:
            listen: tcp://127.0.0.1:0
            framing: line
            faults: [{slice: {size: 2}}]
            rules:
              - when: "PING"
                reply: "PONG"
        clients:
          c:
            connect: ${r.url}
            framing: line
            steps:
              - send: "PING"
              - expect: "PONG"
        """
    )
    assert_passed(result)
    assert [b"PO", b"NG", b"\n"] == sent_by(result, "r#1")


def test_a_rules_own_faults_touch_only_its_answers(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: one slow rule
        servers:
          r:
            listen: tcp://127.0.0.1:0
            framing: line
            rules:
              - when: "SLOW"
                reply: "late"
                faults: [{slice: {size: 2}}]
              - when: "FAST"
                reply: "now"
            default:
              reply: "?"
              faults: [{slice: {size: 1}}]
        clients:
          c:
            connect: ${r.url}
            framing: line
            steps:
              - send: "FAST"
              - expect: "now"
              - send: "SLOW"
              - expect: "late"
              - send: "FAST"
              - expect: "now"
              - send: "other"
              - expect: "?"
        """
    )
    assert_passed(result)
    assert [b"now\n", b"la", b"te", b"\n", b"now\n", b"?", b"\n"] == sent_by(result, "r#1")


def test_a_rule_that_truncates_ends_the_connection_and_the_client_sees_eof(
    run_yaml: RunYaml,
) -> None:
    result = run_yaml(
        """
        name: cut answer
        servers:
          r:
            listen: tcp://127.0.0.1:0
            rules:
              - when: "GET\\n"
                reply: "0123456789"
                faults: [{truncate: 4}]
        clients:
          c:
            connect: ${r.url}
            steps:
              - send: "GET\\n"
              - expect: "0123"
              - expect_eof
        """
    )
    assert_passed(result)
