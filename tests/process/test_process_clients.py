"""Process clients: exit status and output checks, stdin, timeouts, and no process left behind."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
import trio

from sockscen.errors import Location, SetupError
from sockscen.matchers import Contains, Exact, JsonSubset, Regex
from sockscen.payloads import bytes_payload, text_payload
from sockscen.placeholders import parse_template
from sockscen.processes import run_client
from sockscen.reporting.failure import format_failure
from sockscen.results import ActorResult, Outcome, ScenarioResult
from tests.process.proctools import (
    LOC,
    PYTHON,
    assert_nothing_left,
    client,
    command,
    context,
    is_running,
)

T = TypeVar("T")

STDOUT_LOC = Location("scenario.yaml", 24, 5)
STDERR_LOC = Location("scenario.yaml", 25, 5)
EXIT_LOC = Location("scenario.yaml", 23, 5)


def run(fn: Callable[[], Awaitable[T]]) -> T:
    async def bounded() -> T:
        with trio.fail_after(30):
            return await fn()

    return trio.run(bounded)


def python(code: str, **kwargs: object) -> ActorResult:
    """Run ``python -c code`` as a process client and return its result."""
    spec = client(command(PYTHON, "-c", code), **kwargs)
    return run(lambda: run_client(spec, None, context("/")))


def regex(pattern: str) -> Regex:
    return Regex(pattern=parse_template(pattern), compiled=re.compile(pattern.encode()))


def test_a_client_meeting_its_expectations_passes() -> None:
    result = python("print('+PONG')", expect_stdout=regex(r"\+PONG"))

    assert result.outcome is Outcome.PASSED
    assert result.failure is None
    assert result.role == "process-client"
    assert result.actor == "cli"
    assert result.output is not None
    assert result.output.stdout == b"+PONG\n"
    assert result.output.returncode == 0
    assert not result.output.stopped_by_runner
    kinds = [e.kind for e in result.transcript]
    assert kinds[0] == "started"
    assert "stdout" in kinds
    assert kinds[-1] == "exited"


def format_failure_of(actor: ActorResult) -> str:
    """The report text a person would read for a scenario holding only *actor*."""
    assert actor.failure is not None
    scenario = ScenarioResult(
        id="s.yaml::s",
        name="s",
        path="s.yaml",
        line=1,
        tags=(),
        outcome=Outcome.FAILED,
        duration=0.1,
        started_at=0.0,
        actors=[actor],
        failures=[actor.failure],
    )
    return format_failure(scenario)


def test_a_wrong_exit_status_fails_and_keeps_the_stderr_in_the_output() -> None:
    code = "import sys; print('usage: cli HOST PORT', file=sys.stderr); sys.exit(2)"
    result = python(code, expect_exit_location=EXIT_LOC)

    assert result.outcome is Outcome.FAILED
    failure = result.failure
    assert failure is not None
    assert failure.message == "client 'cli' exited with exit status 2, expected exit status 0"
    assert failure.expected_text == "exit status 0"
    assert failure.location == EXIT_LOC
    assert failure.role == "process-client"
    # The evidence is the process output, shown once by every report from here.
    assert result.output is not None
    assert result.output.stderr == b"usage: cli HOST PORT\n"
    assert "usage: cli HOST PORT" in format_failure_of(result)


def test_a_non_zero_exit_can_be_expected() -> None:
    assert python("import sys; sys.exit(3)", expect_exit=3).outcome is Outcome.PASSED


def test_a_client_killed_by_a_signal_says_which() -> None:
    result = python("import os, signal; os.kill(os.getpid(), signal.SIGABRT)")
    assert result.failure is not None
    assert "exited with signal SIGABRT (6)" in result.failure.message


def test_stdout_mismatch_shows_expected_and_received_bytes() -> None:
    result = python(
        "print('hallo')",
        expect_stdout=Exact(payload=text_payload("hello\n")),
        expect_stdout_location=STDOUT_LOC,
    )

    failure = result.failure
    assert failure is not None
    assert failure.message == "client 'cli': stdout does not match: different bytes at offset 1"
    assert failure.expected == b"hello\n"
    assert failure.received == b"hallo\n"
    assert failure.expected_text == 'stdout: "hello\\n"'
    assert failure.location == STDOUT_LOC


def test_stderr_mismatch_is_checked_on_the_whole_stderr() -> None:
    result = python(
        "import sys; sys.stderr.write('warning: slow\\n')",
        expect_stderr=Contains(needle=text_payload("error")),
        expect_stderr_location=STDERR_LOC,
    )
    failure = result.failure
    assert failure is not None
    assert (
        failure.message
        == "client 'cli': stderr does not match: the message does not contain \"error\""
    )
    assert failure.location == STDERR_LOC
    assert failure.received == b"warning: slow\n"


def test_a_regex_that_matches_nowhere_fails() -> None:
    result = python("print('PING')", expect_stdout=regex("PONG"))
    assert result.failure is not None
    assert result.failure.message == (
        "client 'cli': stdout does not match: no part of the output matches the regex"
    )
    assert result.failure.expected_text == "stdout: regex /PONG/"


def test_json_output_is_checked_as_a_subset() -> None:
    code = "import json; print(json.dumps({'status': 'ok', 'items': 3}))"
    assert python(code, expect_stdout=JsonSubset(value={"status": "ok"})).outcome is Outcome.PASSED
    failed = python(code, expect_stdout=JsonSubset(value={"status": "down"}))
    assert failed.failure is not None
    assert 'at $.status: expected "down", got "ok"' in failed.failure.message


def test_deeply_nested_json_output_fails_the_client() -> None:
    """The program's fault, reported as a failed expectation, not an internal error."""
    result = python("print('[' * 100000)", expect_stdout=JsonSubset(value=[]))
    assert result.outcome is Outcome.FAILED
    assert result.failure is not None
    assert "nested deeper than 500 levels" in result.failure.message


def test_every_unmet_expectation_is_reported() -> None:
    result = python(
        "import sys; print('nope'); sys.exit(1)",
        expect_stdout=Exact(payload=text_payload("yes\n")),
    )
    failure = result.failure
    assert failure is not None
    assert failure.message.startswith("client 'cli' exited with exit status 1")
    assert (
        "also: client 'cli': stdout does not match: different bytes at offset 0" in failure.details
    )


def test_stdin_is_fed_then_closed() -> None:
    result = python(
        "import sys; print(sys.stdin.read().upper(), end='')",
        stdin=text_payload("hello\nworld\n"),
        expect_stdout=Exact(payload=text_payload("HELLO\nWORLD\n")),
    )
    assert result.outcome is Outcome.PASSED
    sent = [e for e in result.transcript if e.kind == "sent"]
    assert sent[0].data == b"hello\nworld\n"


def test_a_program_that_ignores_a_large_stdin_does_not_hang() -> None:
    result = python("print('done')", stdin=bytes_payload(b"x" * (4 * 1024 * 1024)))
    assert result.outcome is Outcome.PASSED


def test_a_large_output_is_checked_as_a_whole() -> None:
    code = "import sys\nfor i in range(100000): print('line', i)\nprint('END')\n"
    result = python(code, expect_stdout=regex(r"\Aline 0\n(.|\n)*END\n\Z"))
    assert result.outcome is Outcome.PASSED
    assert result.output is not None
    assert len(result.output.stdout) == 64 * 1024  # the report keeps only the tail
    assert result.output.stdout_truncated > 0


def test_a_timeout_kills_the_client_and_fails(tmp_path: Path) -> None:
    code = "import os, sys, time\nopen(sys.argv[1], 'w').write(str(os.getpid()))\ntime.sleep(60)\n"
    pidfile = tmp_path / "pid"
    spec = client(command(PYTHON, "-c", code, str(pidfile)), timeout=0.5)
    started = time.monotonic()
    result = run(lambda: run_client(spec, None, context("/")))

    assert time.monotonic() - started < 5
    failure = result.failure
    assert failure is not None
    assert failure.message == "client 'cli' did not exit within 500ms; killed it"
    assert failure.waited == 0.5
    assert result.output is not None
    assert result.output.stopped_by_runner
    assert result.output.returncode == -9
    assert_nothing_left([int(pidfile.read_text())])


def test_cancellation_kills_the_client(tmp_path: Path) -> None:
    code = "import os, sys, time\nopen(sys.argv[1], 'w').write(str(os.getpid()))\ntime.sleep(60)\n"
    pidfile = tmp_path / "pid"
    spec = client(command(PYTHON, "-c", code, str(pidfile)))

    async def scenario_timeout() -> None:
        with trio.move_on_after(0.5) as scope:
            await run_client(spec, None, context("/"))
        assert scope.cancelled_caught

    run(scenario_timeout)
    assert_nothing_left([int(pidfile.read_text())])


def test_helpers_a_client_leaves_behind_are_killed() -> None:
    # The shell prints the pid of a background sleep and exits at once.
    spec = client(command("sleep 60 & echo $!", shell=True))
    result = run(lambda: run_client(spec, None, context("/")))

    assert result.outcome is Outcome.PASSED
    assert result.output is not None
    assert not result.output.stopped_by_runner  # the client itself ended on its own
    helper = int(result.output.stdout)
    assert not is_running(helper)
    assert_nothing_left([result.output.pid or 0, helper])


def test_a_copy_is_named_with_its_number() -> None:
    spec = client(command(PYTHON, "-c", "import sys; sys.exit(1)"))
    result = run(lambda: run_client(spec, 2, context("/")))
    assert result.actor == "cli[2]"
    assert result.name == "cli"
    assert result.copy == 2
    assert result.failure is not None
    assert result.failure.actor == "cli[2]"
    assert result.failure.message.startswith("client 'cli[2]' exited")


def test_placeholders_reach_argv_env_and_stdin(tmp_path: Path) -> None:
    code = "import os, sys; print(sys.argv[1], os.environ['TARGET'], sys.stdin.read(), os.getcwd())"
    spec = client(
        command(PYTHON, "-c", code, "${app.port}", env={"TARGET": "${app.host}"}, cwd="${tmp}"),
        stdin=text_payload("hi"),
    )
    values = {"app.port": "4000", "app.host": "127.0.0.1", "tmp": str(tmp_path)}
    result = run(lambda: run_client(spec, None, context("/", values)))
    assert result.output is not None
    assert result.output.stdout == f"4000 127.0.0.1 hi {tmp_path}\n".encode()


def test_a_missing_client_program_is_a_setup_error() -> None:
    spec = client(command("no-such-cli-sockscen"))

    with pytest.raises(SetupError) as info:
        run(lambda: run_client(spec, 3, context("/")))
    assert info.value.location == LOC
    assert info.value.message.startswith("client 'cli[3]': cannot start no-such-cli-sockscen")
