"""Proxies met the way users meet them: faults on a relayed end of stream, hostile peers."""

from __future__ import annotations

import socket
from pathlib import Path

from sockscen.results import Outcome
from tests.engine.conftest import RunYaml, assert_passed


def test_slow_close_on_a_proxy_delays_the_end_the_client_sees(run_yaml: RunYaml) -> None:
    # The server closing reaches the client as a half-close: it was passed on at
    # once, so slow_close on a proxy had no effect at all.
    result = run_yaml(
        """
        name: slow close through a proxy
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle: [{send: "hi"}, close]
        proxies:
          p:
            listen: tcp://127.0.0.1:0
            upstream: ${s.url}
            downstream_faults: [{slow_close: 300ms}]
        clients:
          c:
            connect: ${p.url}
            steps:
              - expect: "hi"
              - expect_silence: 200ms
              - expect_eof
        """
    )
    assert_passed(result)
    relay = next(a for a in result.actors if a.actor == "p#1")
    notes = [e.note for e in relay.transcript]
    assert "to client (slow_close: waiting 300ms)" in notes
    assert 1 == notes.count("to client (slow_close: waiting 300ms)")  # not again at the close


def test_slow_close_on_the_upstream_side_delays_the_clients_half_close(
    run_yaml: RunYaml,
) -> None:
    result = run_yaml(
        """
        name: slow half-close upstream
        servers:
          s:
            listen: unix:s.sock
            handle:
              - expect: "bye"
              - expect_silence: 200ms
              - expect_eof
              - send: "ok"
        proxies:
          p:
            listen: tcp://127.0.0.1:0
            upstream: ${s.url}
            upstream_faults: [{slow_close: 300ms}]
        clients:
          c:
            connect: ${p.url}
            steps:
              - send: "bye"
              - shutdown
              - expect: "ok"
              - expect_eof
        """
    )
    assert_passed(result)


FLOODER = (
    "import socket\\n"
    "s = socket.create_connection(('127.0.0.1', ${b.port}))\\n"
    "try:\\n"
    "    for i in range(2000): s.sendall(b'y' * 65536)\\n"
    "    print('sent all')\\n"
    "except OSError as e: print('send failed:', type(e).__name__)\\n"
)


def test_a_reset_in_the_middle_of_a_flood_reaches_the_client_with_no_noise(
    run_yaml: RunYaml,
) -> None:
    # The relay closing one side raced the other direction's pending read, which
    # then noted "client: cannot receive from ...: Bad file descriptor".
    result = run_yaml(
        f"""
        name: reset mid-flood through two hops
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: {{length: 1000000}}
              - send: "bye"
              - abort
        proxies:
          a:
            listen: unix:a.sock
            upstream: ${{s.url}}
          b:
            listen: tcp://127.0.0.1:0
            upstream: ${{a.url}}
        clients:
          c:
            command: [python3, -c, "{FLOODER}"]
            expect_stdout: {{regex: "^send failed: (ConnectionResetError|BrokenPipeError)$"}}
            timeout: 20s
        """
    )
    assert_passed(result)
    notes = [e.note for a in result.actors if a.actor in ("a#1", "b#1") for e in a.transcript]
    assert not [n for n in notes if "Bad file descriptor" in n], notes
    assert "upstream: the connection to tcp://127.0.0.1:" in " ".join(notes)


def test_a_proxy_whose_upstream_is_its_own_address_is_an_error_not_a_storm(
    run_yaml: RunYaml, tmp_path: Path
) -> None:
    # Each relayed connection connected to the proxy again: thousands a second.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_yaml(
        f"""
        name: a proxy in front of itself
        proxies:
          p:
            listen: tcp://0.0.0.0:{port}
            upstream: tcp://localhost:{port}
        clients:
          c:
            connect: ${{p.url}}
            steps: [{{send: "x"}}]
        """
    )
    assert Outcome.ERROR is result.outcome
    assert (
        f"proxy 'p': its upstream tcp://localhost:{port} is its own listen address "
        f"tcp://0.0.0.0:{port}: every connection would come back to it" == result.error
    )
    assert result.error_location is not None
    assert (str(tmp_path / "scenario.yaml"), 6) == (
        result.error_location.path,
        result.error_location.line,
    )


def test_a_throttled_datagram_proxy_delays_datagrams_whole_never_cuts_them(
    run_yaml: RunYaml,
) -> None:
    # Throttle cut every datagram into tenth-of-a-second pieces, each a datagram of its
    # own: "give me" reached the server as "g", "i", "v"... at 10B/s.
    result = run_yaml(
        """
        name: throttled datagrams
        servers:
          s:
            listen: udp://127.0.0.1:0
            rules:
              - when: "give me"
                reply: "%s"
        proxies:
          p:
            listen: unixgram:p.sock
            upstream: ${s.url}
            upstream_faults: [{throttle: 35B/s}]
            downstream_faults: [{throttle: 10KiB/s}]
        clients:
          c:
            connect: ${p.url}
            steps:
              - send: "give me"
              - expect: {length: 3000}
        """
        % ("ab" * 1500)
    )
    assert_passed(result)
    relay = next(a for a in result.actors if a.actor == "p#1")
    sent = [(e.data, e.time) for e in relay.transcript if e.kind == "sent"]
    assert [b"give me", b"ab" * 1500] == [data for data, _ in sent]
    assert sent[0][1] >= 0.2  # 7 bytes at 35B/s


def test_a_udp_upstream_that_starts_listening_later_gets_the_next_datagrams(
    run_yaml: RunYaml,
) -> None:
    # One "connection refused" (ICMP) ended the sender's relay for good: the next
    # datagrams were noted as sent upstream and went nowhere.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = (
        "import socket, time\\n"
        "c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\\n"
        "c.connect(('127.0.0.1', ${p.port})); c.settimeout(5)\\n"
        "c.send(b'one'); time.sleep(0.3)\\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\\n"
        f"s.bind(('127.0.0.1', {port})); s.settimeout(5)\\n"
        "c.send(b'two')\\n"
        "data, peer = s.recvfrom(100); s.sendto(b'got ' + data, peer)\\n"
        "print(c.recv(100).decode())\\n"
    )
    result = run_yaml(
        f"""
        name: the upstream comes back
        proxies:
          p:
            listen: udp://127.0.0.1:0
            upstream: udp://127.0.0.1:{port}
        clients:
          c:
            command: [python3, -c, "{client}"]
            expect_stdout: "got two\\n"
            expect_exit: 0
        """
    )
    assert_passed(result)
    notes = [e.note for a in result.actors if a.actor == "p#1" for e in a.transcript]
    assert f"upstream: connection refused by udp://127.0.0.1:{port}: " in "\\n".join(notes)


def test_a_proxy_on_ipv6_loopback_in_front_of_localhost_on_the_same_port_is_no_loop(
    run_yaml: RunYaml,
) -> None:
    # localhost is IPv4 to sockscen: the same port on ::1 is another place.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_yaml(
        f"""
        name: same port, two families
        servers:
          s:
            listen: tcp://127.0.0.1:{port}
            handle: [{{expect: "hi"}}, {{send: "ho"}}]
        proxies:
          p:
            listen: tcp://[::1]:{port}
            upstream: tcp://localhost:{port}
        clients:
          c:
            connect: ${{p.url}}
            steps: [{{send: "hi"}}, {{expect: "ho"}}]
        """
    )
    assert_passed(result)
