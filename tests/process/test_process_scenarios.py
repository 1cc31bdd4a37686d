"""Process servers and clients through the whole engine: no process outlives its scenario.

Each scenario starts ``forking_server.py``, whose helper children and
per-connection children ignore SIGTERM.  It writes every pid it has (its own
first; it leads the process group) to a file under ``tmp_path``; after the
run, each of those pids must be dead and the group empty — on a pass, a
failure, a scenario timeout, an exception escaping the engine, a setup error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sockscen.engine import RunOptions, run
from sockscen.loader import load_paths
from sockscen.model import Scenario
from sockscen.results import Outcome, RunResult, ScenarioResult
from tests.conftest import load_scenarios, run_text
from tests.process.proctools import PYTHON, SERVERS, assert_nothing_left, read_pids

FORKING = SERVERS / "forking_server.py"
PROGRAMS = SERVERS.parent / "programs"
WRITE_PID_AND_HANG = (
    "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(60)"
)


def scenarios(text: str, directory: Path) -> list[Scenario]:
    return load_scenarios(text, directory)


def run_one(text: str, directory: Path) -> ScenarioResult:
    return run_text(text, directory)


def forking_server(pidfile: Path, stop_timeout: str = "500ms") -> str:
    """The ``servers:`` block of a scenario running the forking server as ``app``."""
    return f"""
servers:
  app:
    command: [{PYTHON}, {FORKING}, "${{app.port}}", {pidfile}, "2"]
    listen: tcp://127.0.0.1:0
    stop: {{timeout: {stop_timeout}}}
"""


def left_behind(pidfile: Path) -> None:
    pids = json.loads(pidfile.read_text())
    assert len(pids) >= 3, "the server did not get to fork its helpers"
    assert_nothing_left(pids, [pids[0]])


def test_a_passing_scenario_leaves_no_process(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids.json"
    text = f"""
name: pass
{forking_server(pidfile)}
clients:
  visitor:
    connect: ${{app.url}}
    steps:
      - expect: {{regex: "hello from \\\\d+\\n"}}
      - expect_eof
"""
    result = run_one(text, tmp_path)

    assert result.outcome is Outcome.PASSED, result.failures
    app = next(a for a in result.actors if a.role == "process-server")
    assert app.output is not None
    assert app.output.stopped_by_runner
    left_behind(pidfile)


def test_a_failing_scenario_leaves_no_process(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids.json"
    text = f"""
name: fail
{forking_server(pidfile)}
clients:
  visitor:
    connect: ${{app.url}}
    steps:
      - expect: "goodbye"
"""
    result = run_one(text, tmp_path)

    assert result.outcome is Outcome.FAILED
    assert result.failures[0].actor == "visitor"
    left_behind(pidfile)


def test_a_scenario_timeout_leaves_no_process(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids.json"
    client_pid = tmp_path / "client.pid"
    text = f"""
name: timeout
timeout: 1s
{forking_server(pidfile)}
clients:
  visitor:
    connect: ${{app.url}}
    steps:
      - expect: {{regex: "hello from \\\\d+\\n"}}
      - sleep: 30s
  hanging_cli:
    command: [{PYTHON}, -c, "{WRITE_PID_AND_HANG}", {client_pid}]
"""
    result = run_one(text, tmp_path)

    assert result.outcome is Outcome.FAILED
    assert any("timed out" in f.message for f in result.failures)
    assert result.duration < 15
    left_behind(pidfile)
    assert_nothing_left([int(client_pid.read_text())])


def test_an_exception_escaping_the_engine_leaves_no_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pidfile = tmp_path / "pids.json"
    text = f"""
name: exception
{forking_server(pidfile)}
clients:
  visitor:
    connect: ${{app.url}}
    steps:
      - expect: "never checked"
"""

    class Boom(Exception):
        pass

    async def broken_open_stream(*args: object, **kwargs: object) -> object:
        # Only once the server runs: it must be cleaned up on the way out.
        read_pids(pidfile, 3)
        raise Boom("a bug in the engine")

    import sockscen.engine.socket_client

    monkeypatch.setattr(sockscen.engine.socket_client, "open_stream", broken_open_stream)
    # The bug becomes this scenario's error (the run and its reports go on), named a bug.
    result = run(scenarios(text, tmp_path), RunOptions(), handle_signals=False).scenarios[0]
    assert result.outcome is Outcome.ERROR
    assert result.error == (
        "internal error in sockscen (this is a bug, please report it): Boom: a bug in the engine"
    )
    left_behind(pidfile)


def test_a_server_that_never_becomes_ready_is_a_setup_error(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids.json"
    # It listens on a port the runner did not give it, so connects to ${app.port} never succeed.
    text = f"""
name: never ready
servers:
  app:
    command: [{PYTHON}, {FORKING}, "0", {pidfile}, "2"]
    listen: tcp://127.0.0.1:0
    ready: {{connect: true, timeout: 500ms}}
clients:
  visitor:
    connect: ${{app.url}}
    steps:
      - expect: "x"
"""
    result = run_one(text, tmp_path)

    assert result.outcome is Outcome.ERROR
    assert result.error is not None
    assert result.error.startswith("server 'app' did not become ready within 500ms")
    outputs = [output for _, output in result.outputs]
    assert any(b"with helpers" in output.stdout for output in outputs)  # what it printed
    assert result.error_location is not None
    assert result.error_location.line == 7
    left_behind(pidfile)


def test_a_missing_command_is_a_setup_error_naming_file_and_line(tmp_path: Path) -> None:
    text = """
name: missing command
servers:
  app:
    command: [no-such-server-sockscen, "${app.port}"]
    listen: tcp://127.0.0.1:0
clients:
  visitor:
    connect: ${app.url}
    steps:
      - expect: "x"
"""
    result = run_one(text, tmp_path)

    assert result.outcome is Outcome.ERROR
    assert result.error is not None
    assert "cannot start no-such-server-sockscen" in result.error
    assert result.error_location is not None
    assert result.error_location.line == 5


def test_a_process_client_failure_is_reported(tmp_path: Path) -> None:
    text = f"""
name: client exit status
clients:
  cli:
    command: [{PYTHON}, -c, "import sys; print('nope', file=sys.stderr); sys.exit(3)"]
    count: 2
"""
    result = run_one(text, tmp_path)

    assert result.outcome is Outcome.FAILED
    failure = result.failures[0]
    assert failure.role == "process-client"
    assert failure.actor in ("cli[1]", "cli[2]")
    assert failure.message.endswith("exited with exit status 3, expected exit status 0")
    assert failure.location is not None
    assert failure.location.line == 4


def test_concurrent_scenarios_starting_the_same_server_get_different_ports(tmp_path: Path) -> None:
    documents = [
        f"""
name: greeting {i}
servers:
  greeter:
    command: [{PYTHON}, {SERVERS / "greeting_server.py"}, "${{greeter.port}}"]
    listen: tcp://127.0.0.1:0
    expect_exit: 0
clients:
  visitor:
    connect: ${{greeter.url}}
    steps:
      - expect: "Thank you for connecting"
      - expect_eof
"""
        for i in range(12)
    ]
    result: RunResult = run(
        scenarios("---".join(documents), tmp_path), RunOptions(jobs=12), handle_signals=False
    )

    assert [s.outcome for s in result.scenarios] == [Outcome.PASSED] * 12, [
        (s.name, s.error, s.failures) for s in result.scenarios
    ]
    ports = set()
    for s in result.scenarios:
        app = next(a for a in s.actors if a.role == "process-server")
        assert app.output is not None
        ports.add(app.output.argv[-1])
    assert len(ports) == 12


@pytest.mark.slow
def test_every_program_example_passes() -> None:
    result = run(load_paths([PROGRAMS]), RunOptions(), handle_signals=False)
    failed = [
        (s.id, s.error, s.failures) for s in result.scenarios if s.outcome is not Outcome.PASSED
    ]
    assert failed == []
    assert len(result.scenarios) >= 13
