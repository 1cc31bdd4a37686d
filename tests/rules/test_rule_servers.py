"""Rule servers on real loopback sockets: streams framed and not, datagrams, states, counts."""

from __future__ import annotations

import json

from sockscen.reporting.failure import format_failure
from sockscen.reporting.json_report import report_json
from sockscen.reporting.junit import junit_bytes
from sockscen.results import Outcome, RunResult, ScenarioResult
from tests.conftest import RunYaml
from tests.engine.conftest import assert_passed

REDIS = """
name: redis
servers:
  fake:
    listen: tcp://127.0.0.1:0
    rules:
      - when: "PING\\r\\n"
        reply: "+PONG\\r\\n"
      - when: {regex: "GET (?P<key>\\\\w+)\\r\\n"}
        replies: ["=${key}\\r\\n", "again ${key}\\r\\n"]
        expect_count: {min: 1}
      - when: "QUIT\\r\\n"
        steps: [{send: "+OK\\r\\n"}, close]
clients:
  c:
    connect: ${fake.url}
    steps:
"""


def test_split_and_pipelined_requests_get_the_same_answers(run_yaml: RunYaml) -> None:
    """Requests cut anywhere or merged in one write are answered alike, replies in order."""
    result = run_yaml(
        REDIS
        + """
      - send: "PI"
      - sleep: 20ms
      - send: "NG\\r\\nGET a"
      - sleep: 20ms
      - send: "b\\r\\nGET ab\\r\\nGET ab\\r\\nQUIT\\r\\n"
      - expect: "+PONG\\r\\n=ab\\r\\nagain ab\\r\\nagain ab\\r\\n+OK\\r\\n"
      - expect_eof
"""
    )
    assert_passed(result)


def test_unmatched_request_fails_with_the_near_miss_report(run_yaml: RunYaml) -> None:
    result = run_yaml(REDIS + '      - send: "PINK\\r\\n"\n      - expect_eof\n')
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.message == "a request matched no rule (and the server has no default)"
    assert failure.received == b"PINK\r\n"
    assert failure.details[1] == "  hex: 50 49 4e 4b 0d 0a"
    assert failure.details[3].endswith(
        'rule 1: "PING\\r\\n": first difference at byte 3 (received K)'
    )


def test_near_miss_report_in_console_json_and_junit(run_yaml: RunYaml) -> None:
    """The near-miss lines reach every reporter: console text, JSON details, JUnit failure text."""
    result = run_yaml(REDIS + '      - send: "PINK\\r\\n"\n      - expect_eof\n')
    run = RunResult([result], 0.0, 0.1)
    console = format_failure(result)
    [failure] = json.loads(report_json(run))["scenarios"][0]["failures"]
    junit = junit_bytes(run).decode()
    rule1 = 'rule 1: "PING\\r\\n": first difference at byte 3 (received K)'
    assert "  hex: 50 49 4e 4b 0d 0a" in failure["details"]
    assert any(line.endswith(rule1) for line in failure["details"])
    for text in (console, junit.replace("&quot;", '"')):
        assert "no rule matched:" in text
        assert "hex: 50 49 4e 4b 0d 0a" in text
        assert rule1 in text


def test_expect_count_and_unmatched_point_at_their_lines(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: counts
        servers:
          fake:
            listen: tcp://127.0.0.1:0
            framing: line
            rules:
              - when: a
                reply: A
                expect_count: 2
            default: {reply: "?"}
            expect_unmatched: 0
        clients:
          c:
            connect: ${fake.url}
            framing: line
            steps: [{send: a}, {expect: A}, {send: b}, {expect: "?"}]
        """
    )
    assert result.outcome is Outcome.FAILED
    shown = sorted((f.location.line, f.message) for f in result.failures if f.location)
    assert shown == [
        (10, "rule 1 matched 1 request, expected 2"),
        (12, "1 request matched no rule, expected at most 0"),
    ]


def test_login_states_per_connection_and_udp_replies_to_each_sender(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: login
        servers:
          host:
            listen: tcp://127.0.0.1:0
            framing: line
            rules:
              - {when: {regex: "LOGIN (?P<user>\\\\w+)"}, goto: in, reply: "welcome ${user}"}
              - {when: BALANCE, state: in, reply: "${user}: 10"}
              - {when: BALANCE, reply: "login first"}
          dns:
            listen: udp://127.0.0.1:0
            rules:
              - {when: {regex: "(?s)(?P<id>..)Q.*"}, reply: "${id}A"}
        clients:
          alice:
            connect: ${host.url}
            framing: line
            steps:
              - {send: BALANCE}
              - {expect: "login first"}
              - {send: LOGIN alice}
              - {expect: welcome alice}
              - {send: BALANCE}
              - {expect: "alice: 10"}
          bob:
            connect: ${host.url}
            framing: line
            steps: [{send: BALANCE}, {expect: "login first"}]
          resolver:
            connect: ${dns.url}
            count: 2
            steps: [{send: "xyQname"}, {expect: "xyA"}]
        """
    )
    assert_passed(result)


def test_a_request_left_incomplete_fails_after_the_server_timeout(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: slow
        servers:
          fake:
            listen: tcp://127.0.0.1:0
            timeout: 50ms
            rules: [{when: "PING", reply: PONG}]
        clients:
          c:
            connect: ${fake.url}
            steps: [{send: PI}, {expect: PONG}]
        """
    )
    assert result.outcome is Outcome.FAILED
    assert (
        result.failures[0].message == "a request stayed incomplete for 0.05s (the server's timeout)"
    )
    assert result.failures[0].received == b"PI"


def test_a_request_left_incomplete_after_answers_fails_after_the_server_timeout(
    run_yaml: RunYaml,
) -> None:
    """The timeout of a request counts from when it began, whatever was answered before."""
    result = run_yaml(
        """
        name: slow later
        servers:
          fake:
            listen: tcp://127.0.0.1:0
            timeout: 50ms
            rules:
              - {when: "PING", reply: PONG}
              - {when: "HI", steps: [{send: HO}]}
        clients:
          c:
            connect: ${fake.url}
            steps:
              - {send: PING}
              - {expect: PONG}
              - {send: HI}
              - {expect: HO}
              - {send: PI}
              - {expect: PONG}
        """
    )
    assert result.outcome is Outcome.FAILED
    assert (
        result.failures[0].message == "a request stayed incomplete for 0.05s (the server's timeout)"
    )
    assert result.failures[0].received == b"PI"


def test_unix_stream_and_unixgram_rule_servers(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: unix
        servers:
          s:
            listen: unix://${tmp}/s.sock
            rules: [{when: "hi\\n", reply: "hello\\n"}]
          g:
            listen: unixgram://${tmp}/g.sock
            rules: [{when: ping, reply: pong}]
        clients:
          c:
            connect: ${s.url}
            steps: [{send: "h"}, {send: "i\\nhi\\n"}, {expect: "hello\\nhello\\n"}]
          d:
            connect: ${g.url}
            steps: [{send: ping}, {expect: pong}]
        """
    )
    assert_passed(result)


def test_server_state_scope_is_shared_by_connections(run_yaml: RunYaml) -> None:
    """With ``state_scope: server`` one connection's goto and replies counter hold for the next."""
    result = run_yaml(
        """
        name: shared
        servers:
          s:
            listen: tcp://127.0.0.1:0
            framing: line
            state_scope: server
            rules:
              - {when: open, goto: opened, reply: ok}
              - {when: status, state: opened, replies: [first, second]}
              - {when: status, reply: closed}
        clients:
          opener:
            connect: ${s.url}
            framing: line
            steps: [{send: status}, {expect: closed}, {send: open}, {expect: ok},
                    {send: status}, {expect: first}, notify: opened]
          later:
            connect: ${s.url}
            framing: line
            steps: [{wait: opened}, {send: status}, {expect: second}]
        """
    )
    assert_passed(result)


LOCKSTEP = """
name: lockstep
servers:
  pong:
    listen: tcp://127.0.0.1:0
    framing: line
    rules:
      - when: ping
        reply: pong
        expect_count: 3 * 100
clients:
  c:
    connect: ${pong.url}
    count: 3
    framing: line
    steps:
      - repeat:
          count: 100
          steps:
            - send: ping
            - expect: pong
      - LAST
"""


def _server_transcripts(result: ScenarioResult) -> list[list[str]]:
    return [
        [f"{e.kind} {e.data!r} {e.note}".strip() for e in actor.transcript]
        for actor in result.actors
        if actor.role == "server"
    ]


def test_lock_step_clients_end_with_eof_or_reset_as_they_closed(run_yaml: RunYaml) -> None:
    """Requests read at once or after waiting alike; the transcript ends with how the peer left."""
    for last, ending in (("close", "eof b''"), ("abort", "reset b'' the connection to")):
        result = run_yaml(LOCKSTEP.replace("3 * 100", "300").replace("LAST", last))
        assert_passed(result)
        transcripts = _server_transcripts(result)
        assert len(transcripts) == 3
        for transcript in transcripts:
            assert transcript[0].startswith("accepted")
            assert transcript[1:-1] == ["received b'ping\\n'", "sent b'pong\\n'"] * 100
            assert transcript[-1].startswith(ending)
