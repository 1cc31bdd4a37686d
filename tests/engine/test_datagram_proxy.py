"""Datagram proxies: what each sender's relay records, its faults per direction, its bounds."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from sockscen.engine import datagram_relay
from sockscen.results import Outcome, ScenarioResult

from .conftest import RunYaml, assert_passed, explain

ECHOED = """
    name: datagram relay
    servers:
      s:
        listen: udp://127.0.0.1:0
        handle:
          - expect: {{regex: "(?P<word>\\\\w+)"}}
          - send: "hi ${{word}}"
          - expect: "again"
          - send: "bye"
    proxies:
      p:
        listen: {listen}
        upstream: ${{s.url}}
        {faults}
    clients:
      c:
        connect: ${{p.url}}
        steps:
          - send: "alice"
          - expect: "hi alice"
          - send: "again"
          - expect: "bye"
          {more}
    """


def relay_entries(result: ScenarioResult, label: str = "p#1") -> list[tuple[str, bytes, str]]:
    actor = next(a for a in result.actors if a.actor == label)
    return [(e.kind, e.data, e.note) for e in actor.transcript]


@pytest.mark.parametrize("listen", ["udp://127.0.0.1:0", "unixgram:p.sock"])
def test_a_sender_relay_records_both_directions_in_order_with_times(
    run_yaml: RunYaml, listen: str
) -> None:
    result = run_yaml(ECHOED.format(listen=listen, faults="", more=""))
    assert_passed(result)
    entries = relay_entries(result)
    assert [
        ("sent", b"alice", "to upstream"),
        ("sent", b"hi alice", "to client"),
        ("sent", b"again", "to upstream"),
        ("sent", b"bye", "to client"),
    ] == [e for e in entries if e[0] == "sent"]
    assert ["accepted", "connected"] == [e[0] for e in entries[:2]]
    assert entries[1][2].startswith("to upstream udp://127.0.0.1:")
    relay = next(a for a in result.actors if a.actor == "p#1")
    times = [e.time for e in relay.transcript]
    assert times == sorted(times)
    assert 0 < times[0]


def test_upstream_faults_go_through_the_wrapper_for_what_clients_send(run_yaml: RunYaml) -> None:
    result = run_yaml(
        ECHOED.format(
            listen="udp://127.0.0.1:0",
            faults="upstream_faults: [{duplicate: 1}]",
            more="- expect_silence: 50ms",
        ).replace('- expect: "again"', '- expect: "alice"\n          - expect: "again"')
    )
    assert_passed(result)
    sent = [e for e in relay_entries(result) if e[0] == "sent"]
    # Each datagram to the upstream twice, noted by the fault wrapper; replies once.
    assert [b"alice", b"alice", b"hi alice", b"again", b"again", b"bye"] == [e[1] for e in sent]
    assert all(e[2].startswith("to upstream") for e in sent if e[1] in (b"alice", b"again"))
    assert [("sent", b"hi alice", "to client"), ("sent", b"bye", "to client")] == [
        e for e in sent if e[2] == "to client"
    ]


def test_downstream_faults_act_on_the_replies_only(run_yaml: RunYaml) -> None:
    result = run_yaml(
        ECHOED.format(
            listen="udp://127.0.0.1:0",
            faults="downstream_faults: [{drop: 1}]",
            more="",
        )
        .replace('- expect: "hi alice"\n', "- expect_silence: 100ms\n")
        .replace('          - expect: "bye"\n', "          - expect_silence: 100ms\n")
    )
    assert_passed(result)
    sent = [e[1] for e in relay_entries(result) if e[0] == "sent"]
    assert [b"alice", b"again"] == sent


def test_a_datagram_proxy_caps_its_senders(
    run_yaml: RunYaml, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each sender costs an upstream socket and a transcript: past the cap the proxy fails."""
    monkeypatch.setattr(datagram_relay, "MAX_SENDERS", 3)
    result = run_yaml(
        """
        name: many senders
        servers:
          s:
            listen: udp://127.0.0.1:0
            handle:
              - expect: {any: true}
        proxies:
          p:
            listen: udp://127.0.0.1:0
            upstream: ${s.url}
        clients:
          c:
            connect: ${p.url}
            count: 5
            steps:
              - send: hi
              - sleep: 200ms
        """
    )
    assert result.outcome is Outcome.FAILED
    message = next(f.message for f in result.failures if f.actor == "p")
    assert message.startswith("more than 3 senders: the datagram from udp://127.0.0.1:"), explain(
        result
    )
    assert message.endswith("(a proxy relays at most 3 senders)")
    assert 3 == sum(a.actor.startswith("p#") for a in result.actors)


def test_a_missing_unixgram_upstream_is_noted_and_nothing_is_relayed(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: nobody upstream
        proxies:
          p:
            listen: udp://127.0.0.1:0
            upstream: unixgram:nobody.sock
            connections: 1
        clients:
          c:
            connect: ${p.url}
            steps:
              - send: hi
              - send: again
              - expect_silence: 100ms
        """
    )
    assert_passed(result)
    entries = relay_entries(result)
    assert not [e for e in entries if e[0] == "sent"]
    assert any(e[0] == "note" and e[2].startswith("upstream: ") for e in entries), entries


def test_a_sender_whose_faults_hold_its_datagrams_back_has_a_bounded_queue(
    run_yaml: RunYaml, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond the queue, datagrams are dropped as a network drops them: noted, not a failure."""
    monkeypatch.setattr(datagram_relay, "PEER_QUEUE", 2)
    result = run_yaml(
        """
        name: flood behind a delay
        servers:
          s:
            listen: udp://127.0.0.1:0
            handle:
              - expect: {any: true}
        proxies:
          p:
            listen: udp://127.0.0.1:0
            upstream: ${s.url}
            upstream_faults: [{delay: 300ms}]
        clients:
          c:
            connect: ${p.url}
            steps:
              - repeat: {count: 6, steps: [{send: "x"}]}
              - sleep: 100ms
        """
    )
    assert_passed(result)
    notes = [e[2] for e in relay_entries(result) if e[0] == "note"]
    first = "dropped: 2 datagrams already wait to be relayed upstream; more are dropped while "
    assert first + "the queue is full" in notes, notes
    # Two wait (and one more is being delayed, if the queue's task took it already).
    totals = [n for n in notes if n.endswith(" datagram(s) in all: the queue was full")]
    assert totals in (
        ["dropped 3 datagram(s) in all: the queue was full"],
        ["dropped 4 datagram(s) in all: the queue was full"],
    ), notes


def test_a_delay_on_datagrams_is_latency_not_spacing(run_yaml: RunYaml) -> None:
    """Datagrams sent together all arrive D later; they used to arrive D apart (a rate cap)."""
    result = run_yaml(
        """
        name: delayed burst
        servers:
          s:
            listen: udp://127.0.0.1:0
            handle:
              - repeat: {count: 5, steps: [{expect: {any: true}}]}
              - notify: all-came
        proxies:
          p:
            listen: udp://127.0.0.1:0
            upstream: ${s.url}
            upstream_faults: [{delay: 300ms}]
        clients:
          c:
            connect: ${p.url}
            steps:
              - repeat: {count: 5, steps: [{send: "x"}]}
              - wait: all-came
        """
    )
    assert_passed(result)
    relay = next(a for a in result.actors if a.actor == "p#1")
    came = next(e.time for e in relay.transcript if e.kind == "accepted")
    sent = [e.time for e in relay.transcript if e.kind == "sent"]
    assert len(sent) == 5
    assert sent[0] - came >= 0.29
    # One after another they would take 1.5 s; together, the last goes out soon after the first.
    assert sent[-1] - sent[0] < 0.6, sent


def test_an_upstream_that_does_not_read_queues_its_senders_datagrams_boundedly(
    run_yaml: RunYaml, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A full upstream socket must not stop the listening socket being drained: the sender's
    datagrams wait in its own bounded queue, and beyond it are dropped, saying so."""
    monkeypatch.setattr(datagram_relay, "PEER_QUEUE", 5)
    path = tmp_path / "slow.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as slow:
        slow.bind(str(path))  # never read: the kernel's queue for it fills up
        result = run_yaml(
            f"""
            name: upstream never reads
            proxies:
              p:
                listen: udp://127.0.0.1:0
                upstream: unixgram:{path}
            clients:
              c:
                connect: ${{p.url}}
                steps:
                  - repeat: {{count: 400, steps: [{{send: "x"}}]}}
                  - sleep: 200ms
            """
        )
    assert_passed(result)
    notes = [e[2] for e in relay_entries(result) if e[0] == "note"]
    assert any(n.startswith("dropped: 5 datagrams already wait") for n in notes), notes
    sent = [e for e in relay_entries(result) if e[0] == "sent"]
    assert sent
    assert all(e[2] == "to upstream" for e in sent)
