"""expect_file and clients without connect: checking what a program wrote."""

from __future__ import annotations

import pytest

from sockscen.errors import ConfigError
from sockscen.loader import load_text
from sockscen.results import Outcome
from tests.engine.conftest import RunYaml, assert_passed, explain


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    return [str(p) for p in info.value.problems]


def test_a_client_without_connect_runs_only_connection_free_steps() -> None:
    text = (
        "name: x\nclients:\n  checker:\n    steps:\n      - sleep: 1s\n"
        "      - send: hi\n      - expect_file: {path: a.log, contains: x}\n"
    )
    assert problems(text) == [
        "s.yaml:6:9: error: 'send' needs a connection, and client checker has no connect: "
        "(a client without connect: runs only expect_file, sleep, notify, wait; "
        "add connect: ADDRESS)"
    ]


def test_a_program_writes_and_a_checker_polls(run_yaml: RunYaml) -> None:
    """The writer appends late; the checker polls until the whole file matches each form."""
    result = run_yaml(
        """
        name: program output file
        clients:
          writer:
            command: [sh, -c, "sleep 0.2; printf 'started\\nport=80\\n' > ${tmp}/app.log"]
          checker:
            steps:
              - expect_file: {path: app.log, contains: "port="}
              - expect_file: {path: app.log, regex: "port=(?P<port>\\\\d+)"}
              - expect_file: {path: "${tmp}/app.log", text: "started\\nport=${port}\\n"}
              - expect_file: {path: app.log}
        """
    )
    assert_passed(result)


def test_timeout_shows_the_last_content(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: file never matches
        files:
          app.log: "starting\\n"
        clients:
          checker:
            steps:
              - expect_file: {path: app.log, contains: "ready", timeout: 300ms}
        """
    )
    assert result.outcome is Outcome.FAILED, explain(result)
    failure = result.failures[0]
    assert failure.message.startswith("timed out after 0.3")
    assert "app.log to match; its last content (9 bytes) does not: " in failure.message
    assert failure.received == b"starting\n"
    assert failure.step_text == 'expect_file app.log: a message containing "ready"'


def test_timeout_when_the_file_never_appears(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: no file
        clients:
          checker:
            steps:
              - expect_file: {path: nowhere.log, timeout: 200ms}
        """
    )
    assert result.outcome is Outcome.FAILED, explain(result)
    assert result.failures[0].message.endswith("nowhere.log to match; the file does not exist")


def test_a_checker_waits_for_a_socket_client(run_yaml: RunYaml) -> None:
    """wait/notify order a connect-less client after a socket client."""
    result = run_yaml(
        """
        name: ordered check
        files:
          seen.log: "x"
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle: [expect: "hi"]
        clients:
          talker:
            connect: ${s.url}
            steps: [send: "hi", notify: done]
          checker:
            steps:
              - wait: done
              - expect_file: {path: seen.log, text: "x"}
        """
    )
    assert_passed(result)
