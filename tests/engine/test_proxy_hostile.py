"""Proxies met the way users meet them: faults on a relayed end of stream, hostile peers."""

from __future__ import annotations

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
