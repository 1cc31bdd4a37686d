"""Checks beyond the socket: server output, announced ports, ordering of process clients."""

from __future__ import annotations

import json
import sys

import pytest

from sockscen.errors import ConfigError
from sockscen.loader import load_text
from sockscen.matchers import Exact
from sockscen.payloads import text_payload
from sockscen.placeholders import Ref
from sockscen.processes import LineWatch, check_output
from sockscen.regexes import compile_regex
from sockscen.results import Outcome
from tests.engine.conftest import RunYaml, assert_passed, explain

PY = sys.executable


def _none(ref: Ref) -> str:
    raise AssertionError(ref.text)


def test_exact_output_mismatch_says_at_which_offset() -> None:
    want = Exact(payload=text_payload("hello world\n"))
    assert check_output(want, b"hello there\n", _none) == "different bytes at offset 6"
    assert check_output(want, b"hello", _none) == (
        "the output has 5 bytes, expected 12 (the same up to offset 5)"
    )


def test_catastrophic_regex_on_output_gives_up() -> None:
    from sockscen.matchers import Regex
    from sockscen.placeholders import static

    regex = Regex(pattern=static("^(a|aa)+$"), compiled=None)
    reason = check_output(regex, b"a" * 40 + b"b", _none)
    assert reason is not None
    assert reason.startswith("regex gave up after")


def test_line_watch_keeps_named_groups_and_gives_up_on_explosive_regex() -> None:
    watch = LineWatch(compile_regex(r"listening on (?P<port>\d+)"))
    assert watch.feed(b"starting\nlistening on 4242\n")
    assert watch.groups == {"port": "4242"}
    explosive = LineWatch(compile_regex("^(a|aa)+$"))
    assert explosive.feed(b"a" * 40 + b"b\n")
    assert explosive.gave_up is not None


def test_listen_may_use_only_its_own_ready_groups() -> None:
    text = (
        "name: x\nservers:\n"
        "  app: {command: [srv], listen: 'tcp://127.0.0.1:${port}',"
        " ready: {stdout: 'on (?P<port>\\d+)'}}\n"
        "  other: {command: [srv], listen: 'tcp://127.0.0.1:${port}', ready: {delay: 1s}}\n"
        "clients:\n  c: {connect: '${app.url}', steps: []}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    (problem,) = [str(p) for p in info.value.problems]
    assert problem.startswith("s.yaml:4:35: error: ${port}: a listen address cannot use a value")


SERVER = """
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print("booting", flush=True)
print("listening on", s.getsockname()[1], flush=True)
print("oops", file=sys.stderr, flush=True)
while True:
    c, _ = s.accept(); c.sendall(b"hi\\n"); c.close()
"""


def test_a_program_announces_its_port(run_yaml: RunYaml) -> None:
    """The ready line's group is the port: ${port} and ${app.port} both resolve to it."""
    result = run_yaml(
        f"""
        name: announced
        files:
          server.py: {json.dumps(SERVER)}
        servers:
          app:
            command: [{PY}, "${{tmp}}/server.py"]
            listen: tcp://127.0.0.1:${{port}}
            ready: {{stdout: "listening on (?P<port>\\\\d+)"}}
            expect_stdout: {{regex: "booting"}}
            expect_stderr: "oops\\n"
        clients:
          c:
            connect: ${{app.url}}
            steps:
              - expect: "hi\\n"
              - expect_eof
          same:
            connect: tcp://127.0.0.1:${{port}}
            steps:
              - expect: "hi\\n"
        """
    )
    assert_passed(result)


def test_server_output_mismatch_fails_after_stop(run_yaml: RunYaml) -> None:
    result = run_yaml(
        f"""
        name: server output
        files:
          server.py: {json.dumps(SERVER)}
        servers:
          app:
            command: [{PY}, "${{tmp}}/server.py"]
            listen: tcp://127.0.0.1:${{port}}
            ready: {{stdout: "listening on (?P<port>\\\\d+)"}}
            expect_stderr: "oh no\\n"
        clients:
          c: {{connect: "${{app.url}}", steps: [expect: "hi\\n"]}}
        """
    )
    assert result.outcome is Outcome.FAILED, explain(result)
    (failure,) = result.failures
    assert failure.message == "server 'app': stderr does not match: different bytes at offset 1"
    assert failure.location is not None
    assert failure.location.line == 10


def test_explosive_regexes_fail_clearly(run_yaml: RunYaml) -> None:
    """ready and expect_stdout regexes that backtrack forever give up instead of freezing."""
    result = run_yaml(
        f"""
        name: ready gives up
        servers:
          app:
            command: [{PY}, -c, "print('a' * 40 + 'b', flush=True); import time; time.sleep(30)"]
            ready: {{stdout: "^(a|aa)+$"}}
        clients:
          c: {{command: ["true"]}}
        """
    )
    assert result.outcome is Outcome.ERROR
    assert result.error is not None
    assert "ready: stdout: regex gave up after" in result.error
    result = run_yaml(
        f"""
        name: expect_stdout gives up
        clients:
          c:
            command: [{PY}, -c, "print('a' * 40 + 'b')"]
            expect_stdout: {{regex: "^(a|aa)+$"}}
        """
    )
    assert result.outcome is Outcome.FAILED
    assert "regex gave up after" in result.failures[0].message


def test_process_clients_wait_and_notify(run_yaml: RunYaml) -> None:
    """The second program starts only once the first has exited: it sees the file it wrote."""
    result = run_yaml(
        """
        name: ordered programs
        clients:
          second:
            wait: written
            command: [cat, "${tmp}/out"]
            expect_stdout: "first\\n"
          first:
            notify: written
            command: [sh, -c, "sleep 0.2; echo first > ${tmp}/out"]
        """
    )
    assert_passed(result)


def test_process_client_wait_needs_a_notifier() -> None:
    text = 'name: x\nclients:\n  c: {command: ["true"], wait: never}\n'
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    (problem,) = [str(p) for p in info.value.problems]
    assert problem.startswith("s.yaml:3:32: error: no actor notifies 'never'")
