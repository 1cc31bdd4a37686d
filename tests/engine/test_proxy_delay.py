"""A ``delay`` on a stream proxy is latency: reads are sent D after they came, not D apart."""

from __future__ import annotations

from sockscen.engine.faulty import milliseconds
from sockscen.results import ScenarioResult
from tests.engine.conftest import RunYaml, assert_passed

TRICKLE = """
name: five lines through a delaying proxy
servers:
  s:
    listen: tcp://127.0.0.1:0
    framing: line
    handle:
      - repeat:
          count: 5
          steps: [{send: "line"}, {sleep: 100ms}]
      - END
proxies:
  p:
    listen: tcp://127.0.0.1:0
    upstream: ${s.url}
    downstream_faults: [{delay: 300ms}]
clients:
  c:
    connect: ${p.url}
    framing: line
    steps:
      - repeat: {count: 5, steps: [{expect: "line"}]}
      - EXPECT_END
"""


def _sent_to_client(result: ScenarioResult) -> list[float]:
    relay = next(a for a in result.actors if a.actor == "p#1")
    return [e.time for e in relay.transcript if e.kind == "sent" and e.note.startswith("to client")]


def test_reads_that_come_100ms_apart_each_leave_300ms_later(run_yaml: RunYaml) -> None:
    result = run_yaml(TRICKLE.replace("END", "close").replace("EXPECT_close", "expect_eof"))
    assert_passed(result)
    server = next(a for a in result.actors if a.actor == "s#1")
    lines = [e.time for e in server.transcript if e.kind == "sent"]
    sent = _sent_to_client(result)
    # One after another, each read waited 300 ms after the one before, and the lines
    # that came meanwhile went on together, late: three sends, the last 0.5 s late.
    assert len(sent) == 5, sent
    lateness = [out - came for out, came in zip(sent, lines, strict=True)]
    assert all(0.29 <= late < 0.7 for late in lateness), lateness


def test_a_reset_after_data_reaches_the_client_after_that_data(run_yaml: RunYaml) -> None:
    result = run_yaml(TRICKLE.replace("END", "abort").replace("EXPECT_abort", "expect_reset"))
    assert_passed(result)
    assert len(_sent_to_client(result)) == 5


def test_a_delay_note_names_whole_milliseconds_not_an_exponent() -> None:
    """A delay of 1s was noted ``waiting 1e+03ms`` in transcripts."""
    assert [milliseconds(s) for s in (1.0, 12.5, 0.2, 0.0025, 0.0)] == [
        "1000ms",
        "12500ms",
        "200ms",
        "2.5ms",
        "0ms",
    ]
