"""The diagnosis text of each kind of failure, exactly as users read it (golden tests)."""

from __future__ import annotations

import dataclasses

import pytest

from sockscen.errors import Location
from sockscen.reporting.failure import failure_summary, format_failure
from sockscen.results import ActorResult, Failure, Outcome, TranscriptEntry

from . import reporting_samples as samples

# Golden texts are compared verbatim; some diagnosis lines are longer than the code style.
GOLDEN = {
    "wrong_bytes": """\
FAILED scenarios/echo.yaml::echo returns each line
  client alice, step 2 (scenarios/echo.yaml:17): expect "hello\\n"
  different bytes at offset 1
  received 6 bytes after 0.012s: "hallo\\n"   68 61 6c 6c 6f 0a
  transcript (alice):
    +0.000s  -> 6 bytes  "hello\\n"
    +0.012s  <- 6 bytes  "hallo\\n"
""",
    "timeout_partial": """\
FAILED scenarios/binary.yaml::length-prefixed ping
  client bob[3], step 2 (scenarios/binary.yaml:9): expect {hex: "00 00 00 04 50 4f 4e 47"}
  timed out after 5.000s waiting for 8 bytes; 4 arrived
  expected 8 bytes: "\\x00\\x00\\x00\\x04PONG"   00 00 00 04 50 4f 4e 47
  received 4 bytes after 5.000s: "\\x00\\x00\\x00\\x04"   00 00 00 04
  transcript (bob[3]):
    +0.003s  -> 8 bytes  "\\x00\\x00\\x00\\x04PING"
             00000000  00 00 00 04 50 49 4e 47                          |....PING|
    +0.004s  <- 4 bytes  "\\x00\\x00\\x00\\x04"
             00000000  00 00 00 04                                      |....|
""",
    "early_eof": """\
FAILED scenarios/echo.yaml::echo closes early
  client alice, step 2 (scenarios/echo.yaml:30): expect "hello\\n"
  the peer closed the connection after 3 of 6 expected bytes
  received 3 bytes after 0.002s: "hel"   68 65 6c
  transcript (alice):
    +0.001s  -> 6 bytes  "hello\\n"
    +0.002s  <- 3 bytes  "hel"
    +0.003s  -- eof
""",
    "refused": """\
FAILED scenarios/redis.yaml::external redis answers PING
  client cli (scenarios/redis.yaml:6)
  connection refused by 127.0.0.1:6379
  hint: is the server running? 'connect' points at a port nobody listens on
""",
    "server_side": """\
FAILED scenarios/fake_redis.yaml::client pings
  scripted server fake_redis#2, step 1 (scenarios/fake_redis.yaml:8): expect "*1\\r\\n$4\\r\\nPING\\r\\n"
  different bytes at offset 9
  received 14 bytes after 0.001s: "*1\\r\\n$4\\r\\nPONG\\r\\n"   2a 31 0d 0a 24 34 0d 0a 50 4f 4e 47 0d 0a
  transcript (fake_redis#2):
    +0.010s  -- accepted: 127.0.0.1:50312
    +0.011s  <- 14 bytes  "*1\\r\\n$4\\r\\nPONG\\r\\n"
""",  # noqa: E501
    "process_exited": """\
FAILED scenarios/app.yaml::app survives binary input
  process server app (scenarios/app.yaml:3)
  the server exited early with status 1
  transcript (app):
    +0.000s  -- started: pid 4242
    +0.200s  -- exited: status 1
  process app (python3 servers/echo_server.py --port 41234), pid 4242: exited with status 1
    stdout:
      | Listening on 41234
    stderr:
      | Traceback (most recent call last):
      |   File "servers/echo_server.py", line 30, in handle
      |     line.decode()
      | UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff
""",
    "process_client_mismatch": """\
FAILED scenarios/cli.yaml::redis-cli pings
  process client real_cli, step expect_stdout (scenarios/cli.yaml:14)
  stdout does not match the regex
  expected: regex 'PONG'
  received 28 bytes: "(error) ERR unknown command\\n"
  process real_cli (redis-cli -p 41235 PING), pid 4300: exited with status 0
    stdout:
      | (error) ERR unknown command
    stderr: (empty)
""",
    "connection_count": """\
FAILED scenarios/fake_redis.yaml::two clients
  scripted server fake_redis (scenarios/fake_redis.yaml:22)
  expected exactly 2 connections, 1 arrived
  transcript (fake_redis):
    +0.001s  fake_redis#1  -- accepted: 127.0.0.1:50400
    +0.002s  fake_redis#1  <- 6 bytes  "PING\\r\\n"
    +0.002s  fake_redis#1  -> 7 bytes  "+PONG\\r\\n"
""",
    "setup_error": """\
ERROR scenarios/app.yaml::slow app
  scenarios/app.yaml:34: server app did not become ready: no connection to 127.0.0.1:41300 within 5.000s
  process app (python3 servers/slow.py), pid 4400: stopped by sockscen with SIGTERM (signal 15)
    stdout: (empty)
    stderr:
      | warming up\\x1b[31m...\\x0d
""",  # noqa: E501
}


@pytest.mark.parametrize("kind", sorted(GOLDEN))
def test_failure_text_is_golden(kind: str) -> None:
    """Each kind of failure reads exactly as designed."""
    assert GOLDEN[kind] == format_failure(samples.ALL_FAILURES[kind]()) + "\n"


def test_golden_covers_every_sample() -> None:
    assert set(GOLDEN) == set(samples.ALL_FAILURES)


def test_passing_result_gives_only_its_headline() -> None:
    assert format_failure(samples.passing()) == "PASSED scenarios/echo.yaml::echo says hello"


SUMMARIES = {
    "wrong_bytes": "client alice, step 2: different bytes at offset 1",
    "timeout_partial": (
        "client bob[3], step 2: timed out after 5.000s waiting for 8 bytes; 4 arrived"
    ),
    "refused": "client cli: connection refused by 127.0.0.1:6379",
    "server_side": "scripted server fake_redis#2, step 1: different bytes at offset 9",
    "process_exited": "process server app: the server exited early with status 1",
    "setup_error": (
        "server app did not become ready: no connection to 127.0.0.1:41300 within 5.000s"
    ),
}


@pytest.mark.parametrize("kind", sorted(SUMMARIES))
def test_one_line_summary(kind: str) -> None:
    assert SUMMARIES[kind] == failure_summary(samples.ALL_FAILURES[kind]())


def test_summary_counts_further_failures() -> None:
    result = samples.wrong_bytes()
    result.failures.append(dataclasses.replace(result.failures[0], message="second"))
    assert failure_summary(result).endswith("(and 1 more failure)")


def test_copy_index_is_added_when_the_display_name_lacks_it() -> None:
    """A counted client's copy is named even if the engine gave the bare name."""
    result = samples.wrong_bytes()
    result.actors[0].copy = 7
    assert "client alice[7], step 2" in format_failure(result)


def test_expected_bytes_are_shown_when_the_step_text_does_not_show_them() -> None:
    result = samples.wrong_bytes()
    failure = dataclasses.replace(result.failures[0], step_text="expect ${greeting}")
    result.failures[0] = failure
    text = format_failure(result)
    assert '  expected 6 bytes: "hello\\n"   68 65 6c 6c 6f 0a\n' in text


def test_nothing_received() -> None:
    result = samples.wrong_bytes()
    result.failures[0] = dataclasses.replace(
        result.failures[0], message="timed out", received=b"", waited=5.0
    )
    assert "\n  received nothing after 5.000s\n" in format_failure(result)


def test_waited_without_data() -> None:
    failure = Failure(
        actor="w", role="client", message="event 'go' never notified", step="1", waited=2.5
    )
    result = samples.refused()
    result.failures[0] = failure
    assert "\n  waited 2.500s" in format_failure(result)


def test_long_binary_evidence_gets_an_elided_hex_dump() -> None:
    """1000 bytes of binary: the text is elided with a count, the dump keeps head and tail."""
    data = bytes(range(256)) * 4
    result = samples.wrong_bytes()
    result.failures[0] = dataclasses.replace(result.failures[0], received=data, expected=None)
    text = format_failure(result)
    assert "received 1024 bytes after 0.012s: " in text
    assert "...(824 bytes)..." in text
    assert (
        "    00000000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  |................|" in text
    )
    assert "    ... 768 bytes skipped ..." in text
    assert "    000003f0  f0 f1 f2 f3" in text


def test_many_events_show_only_the_last_ones() -> None:
    entries = [TranscriptEntry(i * 0.001, "alice", "sent", b"x", 1) for i in range(100)]
    result = samples.wrong_bytes()
    result.actors[0].transcript = entries
    text = format_failure(result)
    assert '    (60 earlier events not shown)\n    +0.060s  -> 1 byte  "x"' in text
    assert text.count('-> 1 byte  "x"') == 40


def test_multiline_error_is_indented_under_its_location() -> None:
    result = samples.setup_error()
    result.error = "cannot start app\ncommand not found: ./missing\nfix 'command' in the file"
    result.actors = []
    assert format_failure(result) == (
        "ERROR scenarios/app.yaml::slow app\n"
        "  scenarios/app.yaml:34: cannot start app\n"
        "    command not found: ./missing\n"
        "    fix 'command' in the file"
    )


def test_control_characters_in_names_and_messages_cannot_reach_the_terminal() -> None:
    failure = Failure(actor="a\x1b[2J", role="client", message="bad\x07", location=Location("f", 1))
    result = samples.refused()
    result.name = "evil\x1b]0;title\x07"
    result.failures[0] = failure
    result.actors = [ActorResult("a\x1b[2J", "a", "client", Outcome.FAILED)]
    text = format_failure(result)
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "evil\\x1b]0;title\\x07" in text


def test_copies_failing_the_same_way_are_folded_into_one_diagnosis() -> None:
    """Fifty copies meeting the same wrong reply print one diagnosis and the other names."""
    base = samples.wrong_bytes()
    first = base.actors[0]
    copies: list[ActorResult] = []
    failures = []
    for n in range(1, 13):
        label = f"alice[{n}]"
        failure = dataclasses.replace(first.failure, actor=label)  # type: ignore[type-var]
        failures.append(failure)
        copies.append(dataclasses.replace(first, actor=label, copy=n, failure=failure))
    result = dataclasses.replace(base, actors=copies, failures=failures)
    text = format_failure(result)
    assert text.count("different bytes at offset 1") == 1
    assert (
        "  ... and 11 more copies failed the same way: alice[2], alice[3], alice[4], alice[5], "
        "alice[6], alice[7], alice[8], alice[9], ...\n"
    ) in text
