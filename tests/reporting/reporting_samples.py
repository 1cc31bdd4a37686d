"""Hand-built results, one per kind of failure, with the values the engine really produces.

Every reporter test builds its run from these, so a golden text shows what a
user sees for that kind of failure.
"""

from __future__ import annotations

from dataclasses import replace as dataclasses_replace

from sockscen.errors import Location
from sockscen.results import (
    ActorResult,
    Failure,
    Outcome,
    ProcessOutput,
    RunResult,
    ScenarioResult,
    StepResult,
    TranscriptEntry,
)

__all__ = ["ActorResult", "Outcome", "dataclasses_replace"]

#: 2024-05-01T12:00:00Z
T0 = 1714564800.0

ECHO = "scenarios/echo.yaml"


def loc(line: int, col: int = 9, path: str = ECHO) -> Location:
    return Location(path, line, col)


def sent(t: float, actor: str, data: bytes) -> TranscriptEntry:
    return TranscriptEntry(t, actor, "sent", data, len(data))


def received(t: float, actor: str, data: bytes) -> TranscriptEntry:
    return TranscriptEntry(t, actor, "received", data, len(data))


def note(t: float, actor: str, kind: str, text: str = "") -> TranscriptEntry:
    return TranscriptEntry(t, actor, kind, note=text)  # type: ignore[arg-type]


def step(
    label: str, kind: str, line: int, outcome: Outcome, started: float, duration: float
) -> StepResult:
    return StepResult(label, kind, loc(line), outcome, started, duration)


def passing() -> ScenarioResult:
    """An echo scenario that passed."""
    alice = ActorResult(
        actor="alice",
        name="alice",
        role="client",
        outcome=Outcome.PASSED,
        steps=[
            step("1", "send", 16, Outcome.PASSED, 0.001, 0.0001),
            step("2", "expect", 17, Outcome.PASSED, 0.0011, 0.0009),
        ],
        transcript=[
            note(0.0004, "alice", "connected", "127.0.0.1:41234"),
            sent(0.001, "alice", b"hello\n"),
            received(0.002, "alice", b"hello\n"),
        ],
    )
    return ScenarioResult(
        id=f"{ECHO}::echo says hello",
        name="echo says hello",
        path=ECHO,
        line=1,
        tags=("tcp", "smoke"),
        outcome=Outcome.PASSED,
        duration=0.004,
        started_at=T0,
        actors=[alice],
    )


def wrong_bytes() -> ScenarioResult:
    """The server answered different bytes than expected."""
    failure = Failure(
        actor="alice",
        role="client",
        message="different bytes at offset 1",
        step="2",
        step_text='expect "hello\\n"',
        location=loc(17),
        expected=b"hello\n",
        received=b"hallo\n",
        waited=0.012,
    )
    alice = ActorResult(
        actor="alice",
        name="alice",
        role="client",
        outcome=Outcome.FAILED,
        steps=[
            step("1", "send", 16, Outcome.PASSED, 0.0, 0.0001),
            step("2", "expect", 17, Outcome.FAILED, 0.0001, 0.012),
        ],
        transcript=[sent(0.0, "alice", b"hello\n"), received(0.012, "alice", b"hallo\n")],
        failure=failure,
    )
    return ScenarioResult(
        id=f"{ECHO}::echo returns each line",
        name="echo returns each line",
        path=ECHO,
        line=12,
        tags=("tcp",),
        outcome=Outcome.FAILED,
        duration=0.015,
        started_at=T0 + 0.5,
        actors=[alice],
        failures=[failure],
    )


def timeout_partial() -> ScenarioResult:
    """A binary reply stopped half-way: the expect timed out with 4 of 8 bytes."""
    path = "scenarios/binary.yaml"
    failure = Failure(
        actor="bob[3]",
        role="client",
        message="timed out after 5.000s waiting for 8 bytes; 4 arrived",
        step="2",
        step_text='expect {hex: "00 00 00 04 50 4f 4e 47"}',
        location=Location(path, 9, 11),
        expected=b"\x00\x00\x00\x04PONG",
        received=b"\x00\x00\x00\x04",
        waited=5.0,
    )
    bob = ActorResult(
        actor="bob[3]",
        name="bob",
        role="client",
        outcome=Outcome.FAILED,
        copy=3,
        transcript=[
            sent(0.003, "bob[3]", b"\x00\x00\x00\x04PING"),
            received(0.004, "bob[3]", b"\x00\x00\x00\x04"),
        ],
        failure=failure,
    )
    return ScenarioResult(
        id=f"{path}::length-prefixed ping",
        name="length-prefixed ping",
        path=path,
        line=1,
        tags=(),
        outcome=Outcome.FAILED,
        duration=5.01,
        started_at=T0 + 1,
        actors=[bob],
        failures=[failure],
    )


def early_eof() -> ScenarioResult:
    """The server closed the connection before the whole reply."""
    failure = Failure(
        actor="alice",
        role="client",
        message="the peer closed the connection after 3 of 6 expected bytes",
        step="2",
        step_text='expect "hello\\n"',
        location=loc(30),
        expected=b"hello\n",
        received=b"hel",
        waited=0.002,
    )
    alice = ActorResult(
        actor="alice",
        name="alice",
        role="client",
        outcome=Outcome.FAILED,
        transcript=[
            sent(0.001, "alice", b"hello\n"),
            received(0.002, "alice", b"hel"),
            note(0.003, "alice", "eof"),
        ],
        failure=failure,
    )
    return ScenarioResult(
        id=f"{ECHO}::echo closes early",
        name="echo closes early",
        path=ECHO,
        line=25,
        tags=(),
        outcome=Outcome.FAILED,
        duration=0.004,
        started_at=T0 + 2,
        actors=[alice],
        failures=[failure],
    )


def refused() -> ScenarioResult:
    """Nothing listened where the client connected."""
    path = "scenarios/redis.yaml"
    failure = Failure(
        actor="cli",
        role="client",
        message="connection refused by 127.0.0.1:6379",
        location=Location(path, 6, 14),
        details=("hint: is the server running? 'connect' points at a port nobody listens on",),
    )
    cli = ActorResult(
        actor="cli", name="cli", role="client", outcome=Outcome.FAILED, failure=failure
    )
    return ScenarioResult(
        id=f"{path}::external redis answers PING",
        name="external redis answers PING",
        path=path,
        line=1,
        tags=(),
        outcome=Outcome.FAILED,
        duration=0.001,
        started_at=T0 + 3,
        actors=[cli],
        failures=[failure],
    )


def server_side() -> ScenarioResult:
    """A scripted server's handler received the wrong request (server side)."""
    path = "scenarios/fake_redis.yaml"
    failure = Failure(
        actor="fake_redis#2",
        role="server",
        message="different bytes at offset 9",
        step="1",
        step_text='expect "*1\\r\\n$4\\r\\nPING\\r\\n"',
        location=Location(path, 8, 17),
        expected=b"*1\r\n$4\r\nPING\r\n",
        received=b"*1\r\n$4\r\nPONG\r\n",
        waited=0.001,
    )
    handler = ActorResult(
        actor="fake_redis#2",
        name="fake_redis",
        role="server",
        outcome=Outcome.FAILED,
        transcript=[
            note(0.010, "fake_redis#2", "accepted", "127.0.0.1:50312"),
            received(0.011, "fake_redis#2", b"*1\r\n$4\r\nPONG\r\n"),
        ],
        failure=failure,
    )
    return ScenarioResult(
        id=f"{path}::client pings",
        name="client pings",
        path=path,
        line=1,
        tags=(),
        outcome=Outcome.FAILED,
        duration=0.02,
        started_at=T0 + 4,
        actors=[handler],
        failures=[failure],
    )


def crashed_server_output() -> ProcessOutput:
    return ProcessOutput(
        argv=("python3", "servers/echo_server.py", "--port", "41234"),
        pid=4242,
        stdout=b"Listening on 41234\n",
        stderr=(
            b"Traceback (most recent call last):\n"
            b'  File "servers/echo_server.py", line 30, in handle\n'
            b"    line.decode()\n"
            b"UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff\n"
        ),
        returncode=1,
    )


def process_exited() -> ScenarioResult:
    """The process server died while a client talked to it."""
    path = "scenarios/app.yaml"
    failure = Failure(
        actor="app",
        role="process-server",
        message="the server exited early with status 1",
        location=Location(path, 3, 5),
    )
    app = ActorResult(
        actor="app",
        name="app",
        role="process-server",
        outcome=Outcome.FAILED,
        failure=failure,
        output=crashed_server_output(),
        transcript=[
            note(0.0, "app", "started", "pid 4242"),
            note(0.2, "app", "exited", "status 1"),
        ],
    )
    client = ActorResult(
        actor="c",
        name="c",
        role="client",
        outcome=Outcome.FAILED,
        transcript=[sent(0.05, "c", b"\xff\xfe\n"), note(0.2, "c", "eof")],
    )
    return ScenarioResult(
        id=f"{path}::app survives binary input",
        name="app survives binary input",
        path=path,
        line=1,
        tags=(),
        outcome=Outcome.FAILED,
        duration=0.21,
        started_at=T0 + 5,
        actors=[app, client],
        failures=[failure],
    )


def process_client_mismatch() -> ScenarioResult:
    """A real client program printed something else than expected."""
    path = "scenarios/cli.yaml"
    failure = Failure(
        actor="real_cli",
        role="process-client",
        message="stdout does not match the regex",
        step="expect_stdout",
        location=Location(path, 14, 20),
        expected_text="regex 'PONG'",
        received=b"(error) ERR unknown command\n",
    )
    cli = ActorResult(
        actor="real_cli",
        name="real_cli",
        role="process-client",
        outcome=Outcome.FAILED,
        failure=failure,
        output=ProcessOutput(
            argv=("redis-cli", "-p", "41235", "PING"),
            pid=4300,
            stdout=b"(error) ERR unknown command\n",
            stderr=b"",
            returncode=0,
        ),
    )
    return ScenarioResult(
        id=f"{path}::redis-cli pings",
        name="redis-cli pings",
        path=path,
        line=1,
        tags=(),
        outcome=Outcome.FAILED,
        duration=0.08,
        started_at=T0 + 6,
        actors=[cli],
        failures=[failure],
    )


def connection_count() -> ScenarioResult:
    """A server with ``connections: 2`` saw only one connection."""
    path = "scenarios/fake_redis.yaml"
    failure = Failure(
        actor="fake_redis",
        role="server",
        message="expected exactly 2 connections, 1 arrived",
        location=Location(path, 22, 18),
    )
    handler = ActorResult(
        actor="fake_redis#1",
        name="fake_redis",
        role="server",
        outcome=Outcome.PASSED,
        transcript=[
            note(0.001, "fake_redis#1", "accepted", "127.0.0.1:50400"),
            received(0.002, "fake_redis#1", b"PING\r\n"),
            sent(0.002, "fake_redis#1", b"+PONG\r\n"),
        ],
    )
    return ScenarioResult(
        id=f"{path}::two clients",
        name="two clients",
        path=path,
        line=18,
        tags=(),
        outcome=Outcome.FAILED,
        duration=1.0,
        started_at=T0 + 7,
        actors=[handler],
        failures=[failure],
    )


def setup_error() -> ScenarioResult:
    """The process server never became ready: an ERROR, not a failure."""
    path = "scenarios/app.yaml"
    app = ActorResult(
        actor="app",
        name="app",
        role="process-server",
        outcome=Outcome.ERROR,
        output=ProcessOutput(
            argv=("python3", "servers/slow.py"),
            pid=4400,
            stdout=b"",
            stderr=b"warming up\x1b[31m...\r\n",
            returncode=-15,
            stopped_by_runner=True,
        ),
    )
    return ScenarioResult(
        id=f"{path}::slow app",
        name="slow app",
        path=path,
        line=30,
        tags=(),
        outcome=Outcome.ERROR,
        duration=5.1,
        started_at=T0 + 8,
        actors=[app],
        error="server app did not become ready: no connection to 127.0.0.1:41300 within 5.000s",
        error_location=Location(path, 34, 12),
    )


def skipped() -> ScenarioResult:
    return ScenarioResult(
        id=f"{ECHO}::never ran",
        name="never ran",
        path=ECHO,
        line=40,
        tags=(),
        outcome=Outcome.SKIPPED,
        duration=0.0,
        started_at=T0 + 9,
        error="not run: the run was interrupted",
    )


ALL_FAILURES = {
    "wrong_bytes": wrong_bytes,
    "timeout_partial": timeout_partial,
    "early_eof": early_eof,
    "refused": refused,
    "server_side": server_side,
    "process_exited": process_exited,
    "process_client_mismatch": process_client_mismatch,
    "connection_count": connection_count,
    "setup_error": setup_error,
}


def run_of(
    *results: ScenarioResult, duration: float = 1.234, interrupted: bool = False
) -> RunResult:
    return RunResult(
        scenarios=list(results),
        started_at=T0,
        duration=duration,
        interrupted=interrupted,
        options={"jobs": 4, "timeout": 30.0, "paths": ["scenarios"]},
    )


def full_run() -> RunResult:
    """One run with a pass, every kind of failure, an error and a skip."""
    return run_of(passing(), *(make() for make in ALL_FAILURES.values()), skipped())
