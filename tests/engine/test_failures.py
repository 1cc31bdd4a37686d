"""A runner that passes everything must not pass these: each failure kind, located and explained."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from sockscen.results import Outcome

from .conftest import RunYaml


def test_wrong_bytes_fail_at_once_with_location(run_yaml: RunYaml) -> None:
    """Different bytes fail the step immediately (no waiting for the timeout), at its file:line."""
    started = time.monotonic()
    result = run_yaml(
        """
        name: wrong bytes
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: "hallo\\n"
        clients:
          alice:
            connect: ${s.url}
            steps:
              - send: "hello\\n"
              - expect: "hello\\n"
        """
    )
    assert time.monotonic() - started < 2
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.actor == "alice"
    assert failure.role == "client"
    assert failure.step == "2"
    assert failure.location is not None
    assert failure.location.line == 13
    assert failure.location.path.endswith("scenario.yaml")
    assert failure.expected == b"hello\n"
    assert failure.received == b"hallo\n"
    assert failure.step_text == 'expect "hello\\n"'


def test_timeout_reports_partial_data_and_wait(run_yaml: RunYaml) -> None:
    """A step that waits too long fails after its own timeout, showing what did arrive."""
    result = run_yaml(
        """
        name: slow
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: "partial"
              - sleep: 2s
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: "partial and the rest"
                timeout: 200ms
        """
    )
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert "timed out after" in failure.message
    assert failure.received == b"partial"
    assert failure.waited is not None
    assert 0.19 <= failure.waited < 1.5
    assert result.duration < 1.8, "a failure cancels the rest of the scenario"


def test_default_step_timeout_can_be_overridden(run_yaml: RunYaml) -> None:
    """RunOptions.step_timeout replaces the 5s default for steps without their own timeout."""
    result = run_yaml(
        """
        name: silent server
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - sleep: 3s
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: anything
        """,
        step_timeout=0.2,
    )
    assert result.outcome is Outcome.FAILED
    assert "nothing arrived" in result.failures[0].message
    assert result.duration < 2


def test_early_eof(run_yaml: RunYaml) -> None:
    """The peer closing before the expected bytes is a failure naming how much arrived."""
    result = run_yaml(
        """
        name: early eof
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: "hel"
              - close
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: "hello"
        """
    )
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert "closed the connection after 3 of 5" in failure.message
    assert failure.received == b"hel"


def test_connection_refused(run_yaml: RunYaml) -> None:
    """Connecting where nobody listens fails the client with a sentence, at the client's line."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_yaml(
        f"""
        name: refused
        clients:
          c:
            connect: tcp://127.0.0.1:{port}
            steps:
              - send: hi
        """
    )
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert "connection refused" in failure.message
    assert failure.location is not None
    assert failure.location.line == 4


def test_server_side_mismatch_names_the_server(run_yaml: RunYaml) -> None:
    """A handler step that fails fails the scenario, reported as the server side."""
    result = run_yaml(
        """
        name: server mismatch
        servers:
          redis:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: "*1\\r\\n$4\\r\\nPING\\r\\n"
              - send: "+PONG\\r\\n"
        clients:
          c:
            connect: ${redis.url}
            steps:
              - send: "*1\\r\\n$4\\r\\nPONG\\r\\n"
              - expect: "+PONG\\r\\n"
        """
    )
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.role == "server"
    assert failure.actor == "redis#1"
    assert failure.location is not None
    assert failure.location.line == 7


def test_connection_count_mismatch(run_yaml: RunYaml) -> None:
    """connections: N fails when a different number of connections arrived."""
    result = run_yaml(
        """
        name: count
        servers:
          s:
            listen: tcp://127.0.0.1:0
            connections: 3
            handle:
              - send: hi
        clients:
          c:
            connect: ${s.url}
            count: 2
            steps:
              - expect: hi
        """
    )
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.message == "expected 3 connections, 2 arrived"
    assert failure.location is not None
    assert failure.location.line == 6


def test_expect_eof_fails_when_data_arrives(run_yaml: RunYaml) -> None:
    """expect_eof with more data coming is a failure showing the extra bytes."""
    result = run_yaml(
        """
        name: chatty
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: "bye\\nextra"
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: "bye\\n"
              - expect_eof
        """
    )
    assert result.outcome is Outcome.FAILED
    assert result.failures[0].received == b"extra"


def test_expect_silence_fails_when_data_arrives(run_yaml: RunYaml) -> None:
    """Data during expect_silence fails it."""
    result = run_yaml(
        """
        name: not silent
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - sleep: 50ms
              - send: "noise"
              - sleep: 1s
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect_silence: 2s
        """
    )
    assert result.outcome is Outcome.FAILED
    assert "silence" in result.failures[0].message
    assert result.failures[0].received == b"noise"


def test_flood_beyond_max_buffer_fails_without_eating_memory(run_yaml: RunYaml) -> None:
    """A peer sending more than the read limit without meeting the expectation fails the step."""
    result = run_yaml(
        """
        name: flood
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - repeat:
                  count: 256
                  steps:
                    - send: {base64: "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"}
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: {until: "END"}
        """,
        max_buffer=2048,
    )
    assert result.outcome is Outcome.FAILED
    assert "without meeting the expectation" in result.failures[0].message
    assert "limit is 2048 bytes" in result.failures[0].message


def test_scenario_timeout_ends_everything(run_yaml: RunYaml) -> None:
    """The per-scenario timeout stops every actor and says where each one was."""
    started = time.monotonic()
    result = run_yaml(
        """
        name: hang
        timeout: 300ms
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: never
                timeout: 10s
              - notify: never-notified
        clients:
          c:
            connect: ${s.url}
            steps:
              - wait: never-notified
                timeout: 10s
        """
    )
    assert time.monotonic() - started < 3
    assert result.outcome is Outcome.FAILED
    messages = [f.message for f in result.failures]
    assert any("timed out after 0.3s" in m for m in messages), messages
    actors = {f.actor for f in result.failures}
    assert "c" in actors


def test_wait_times_out_naming_the_event(run_yaml: RunYaml) -> None:
    """A wait nobody notifies fails after its timeout and names the event."""
    result = run_yaml(
        """
        name: lonely wait
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect_eof
              - notify: ready
        clients:
          c:
            connect: ${s.url}
            steps:
              - wait: ready
                timeout: 100ms
        """
    )
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.actor == "c"
    assert "event 'ready'" in failure.message
    assert failure.step_text == "wait ready"


def test_abort_resets_the_connection(run_yaml: RunYaml) -> None:
    """abort sends a TCP RST: the server's read fails with a reset, not a clean EOF."""
    result = run_yaml(
        """
        name: abort
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: hi
              - notify: got-it
              - expect_eof
        clients:
          c:
            connect: ${s.url}
            steps:
              - send: hi
              - wait: got-it
              - abort
        """
    )
    assert result.outcome is Outcome.FAILED
    assert "reset" in result.failures[0].message
    assert result.failures[0].role == "server"


def test_an_expectation_larger_than_the_read_limit_fails_at_once(run_yaml: RunYaml) -> None:
    """A fixed-size expectation that can never fit the read limit says so instead of waiting."""
    result = run_yaml(
        """
        name: too big
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - sleep: 2s
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: {length: 4096}
        """,
        max_buffer=1024,
    )
    assert result.outcome is Outcome.FAILED
    assert result.failures[0].message == (
        "this expectation needs 4096 bytes, more than the read limit of 1024 bytes: "
        "raise --max-buffer"
    )
    assert result.duration < 1.5


def test_a_large_exact_payload_arriving_in_pieces_passes(run_yaml: RunYaml, tmp_path: Path) -> None:
    """Several megabytes read chunk by chunk are compared once each (no quadratic rescans)."""
    (tmp_path / "big.bin").write_bytes(bytes(range(256)) * 16384)  # 4 MiB
    result = run_yaml(
        """
        name: big
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: {file: big.bin}
              - send: "END"
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: {file: big.bin}
              - expect: {until: "END"}
        """
    )
    assert result.outcome is Outcome.PASSED, result.failures


def test_a_repeat_that_consumes_nothing_fails_instead_of_spinning(run_yaml: RunYaml) -> None:
    """An uncounted repeat whose steps take no data would loop forever: it fails at once."""
    result = run_yaml(
        """
        name: zero width
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - repeat:
                  steps:
                    - expect: {length: 0}
        clients:
          c:
            connect: ${s.url}
            steps:
              - send: "data"
              - expect_eof
        """
    )
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.role == "server"
    assert failure.message.startswith("this repeat (without count) made no progress")


def test_a_huge_counted_repeat_still_honours_the_scenario_timeout(run_yaml: RunYaml) -> None:
    """Steps that never wait inside a large repeat cannot keep trio from timing out."""
    started = time.monotonic()
    result = run_yaml(
        """
        name: busy
        timeout: 300ms
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect_eof
        clients:
          c:
            connect: ${s.url}
            steps:
              - repeat:
                  count: 1000000000
                  steps:
                    - expect: {length: 0}
        """
    )
    assert result.outcome is Outcome.FAILED
    assert "timed out after 0.3s" in result.failures[0].message
    assert time.monotonic() - started < 3


def test_text_its_encoding_cannot_carry_fails_the_step(run_yaml: RunYaml) -> None:
    """A captured character that latin-1 cannot encode fails that send, located."""
    result = run_yaml(
        """
        name: encoding
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: "word=€;"
              - expect_eof
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: {regex: "word=(?P<w>[^;]+);"}
              - send: {text: "${w}", encoding: latin-1}
        """
    )
    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.actor == "c"
    assert failure.step == "2"
    assert failure.message.startswith("cannot encode the payload:")


def test_a_timeout_inside_a_repeat_names_the_iteration(run_yaml: RunYaml) -> None:
    """Like a wrong reply, a timeout in iteration 2 of a repeat says 'iteration 2'."""
    result = run_yaml(
        """
        name: second answer never comes
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - expect: "q1"
              - send: "a1"
              - expect: "q1"
              - sleep: 2s
        clients:
          c:
            connect: ${s.url}
            steps:
              - repeat:
                  count: 2
                  steps:
                    - send: "q1"
                    - expect: "a1"
                      timeout: 200ms
        """
    )
    assert result.outcome is Outcome.FAILED
    failure = next(f for f in result.failures if f.actor == "c")
    assert failure.step == "1.2 (iteration 2)"
    assert "timed out" in failure.message


def test_the_read_limit_hint_holds_with_bytes_already_buffered(run_yaml: RunYaml) -> None:
    """A header read before a too-large body must not hide the 'raise --max-buffer' hint."""
    result = run_yaml(
        """
        name: header then body
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: "$4096\\r\\nxx"
              - sleep: 2s
        clients:
          c:
            connect: ${s.url}
            steps:
              - expect: "$4096\\r\\n"
              - expect: {length: 4096}
        """,
        max_buffer=1024,
    )
    assert result.outcome is Outcome.FAILED
    assert result.failures[0].message.startswith("this expectation needs 4096 bytes")
