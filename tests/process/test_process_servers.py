"""Process servers as real child processes: readiness, early exits, start errors, stopping."""

from __future__ import annotations

import socket
import stat
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
import trio
import trio.lowlevel

from sockscen.addresses import Address
from sockscen.errors import Location, SetupError
from sockscen.model import Ready, Stop
from sockscen.placeholders import parse_template
from sockscen.ports import PortRegistry
from sockscen.processes import ProcessStartError, ServerProcess, start_server
from sockscen.results import Outcome
from tests.process.proctools import (
    LOC,
    PYTHON,
    READY_LOC,
    SERVERS,
    assert_nothing_left,
    assert_vanished,
    command,
    context,
    is_running,
    read_pids,
    server,
)

T = TypeVar("T")

#: Every test is bounded: a hung child or a missed event fails instead of hanging CI.
TEST_TIMEOUT = 30.0


#: A server that ignores SIGTERM, so only SIGKILL ends it.
DEAF_TO_SIGTERM = (
    "import signal\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('up', flush=True)\n"
    "signal.pause()\n"
)


def run(fn: Callable[[], Awaitable[T]]) -> T:
    async def bounded() -> T:
        with trio.fail_after(TEST_TIMEOUT):
            return await fn()

    return trio.run(bounded)


@pytest.fixture
def ports(tmp_path: Path) -> PortRegistry:
    registry = PortRegistry(str(tmp_path / "port-locks"))
    yield registry  # type: ignore[misc]
    registry.release_all()


def tcp(ports: PortRegistry) -> Address:
    return ports.reserve(Address("tcp", "127.0.0.1", 0))


def script(code: str) -> tuple[str, ...]:
    """argv running *code* with this test's Python."""
    return (PYTHON, "-c", code)


async def start_and_stop(
    spec_server: object,
    ctx: object,
    addresses: list[Address],
    during: Callable[[ServerProcess], Awaitable[None]] | None = None,
) -> ServerProcess:
    async with trio.open_nursery() as nursery:
        srv = await start_server(spec_server, nursery, ctx, addresses)  # type: ignore[arg-type]
        try:
            if during is not None:
                await during(srv)
        finally:
            await srv.stop()
    return srv


def start_error(
    spec: object,
    directory: Path | str = SERVERS,
    values: dict[str, str] | None = None,
    addresses: list[Address] | None = None,
) -> SetupError:
    """The SetupError start_server raises (caught inside the nursery, as the engine does)."""
    errors: list[SetupError] = []
    ctx = context(directory, values)

    async def start() -> None:
        async with trio.open_nursery() as nursery:
            try:
                await start_server(spec, nursery, ctx, addresses or [])  # type: ignore[arg-type]
            except SetupError as exc:
                errors.append(exc)

    run(start)
    assert len(errors) == 1, "start_server did not raise SetupError"
    return errors[0]


def start_failure(spec: object, addresses: list[Address] | None = None) -> ProcessStartError:
    error = start_error(spec, addresses=addresses)
    assert isinstance(error, ProcessStartError)
    return error


def receive_all(address: Address) -> bytes:
    with socket.create_connection((address.host, address.port), timeout=5) as sock:
        chunks = []
        while data := sock.recv(4096):
            chunks.append(data)
    return b"".join(chunks)


# --------------------------------------------------------------------------- readiness


def test_ready_by_connect_then_stopped_with_exit_status_zero(ports: PortRegistry) -> None:
    address = tcp(ports)
    spec = server(command(PYTHON, "greeting_server.py", "${app.port}"), expect_exit=0)
    ctx = context(SERVERS, {"app.port": str(address.port)})
    received: list[bytes] = []

    async def talk(srv: ServerProcess) -> None:
        received.append(await trio.to_thread.run_sync(receive_all, address))

    srv = run(lambda: start_and_stop(spec, ctx, [address], talk))

    assert received == [b"Thank you for connecting"]
    result = srv.result(exited_early=False)
    assert result.outcome is Outcome.PASSED
    assert result.role == "process-server"
    assert result.output is not None
    assert result.output.returncode == 0
    assert result.output.stopped_by_runner
    assert f"Listening on 127.0.0.1:{address.port}" in result.output.stdout.decode()
    assert result.transcript[0].kind == "started"
    assert result.transcript[-1].kind == "exited"
    assert_nothing_left([srv.pid])


def test_ready_by_connect_on_a_unix_socket(tmp_path: Path) -> None:
    path = tmp_path / "upper.sock"
    address = Address("unix", path=str(path))
    spec = server(command(PYTHON, "socketserver_unix_stream.py", str(path)))

    async def talk(srv: ServerProcess) -> None:
        stream = await trio.open_unix_socket(str(path))
        async with stream:
            await stream.send_all(b"hello\n")
            assert await stream.receive_some(100) == b"HELLO\n"

    srv = run(lambda: start_and_stop(spec, context(SERVERS), [address], talk))
    assert srv.result(exited_early=False).outcome is Outcome.PASSED
    assert not path.exists()  # the server removed its socket file when stopped
    assert_nothing_left([srv.pid])


def test_ready_by_a_stdout_line_waits_for_that_line() -> None:
    code = (
        "import time, signal\n"
        "print('warming up', flush=True)\n"
        "time.sleep(0.3)\n"
        "print('Listening on 4000', flush=True)\n"
        "signal.pause()\n"
    )
    spec = server(command(*script(code)), Ready("stdout", 10.0, pattern=r"Listening on \d+"))

    async def check(srv: ServerProcess) -> None:
        # start_server returned: the line must already be in the output.
        assert b"Listening on 4000" in srv.output.stdout

    srv = run(lambda: start_and_stop(spec, context(SERVERS), [], check))
    assert_nothing_left([srv.pid])


def test_ready_by_a_stderr_line() -> None:
    code = (
        "import sys, signal\n"
        "print('log: ready to serve', file=sys.stderr, flush=True)\n"
        "signal.pause()\n"
    )
    spec = server(command(*script(code)), Ready("stderr", 10.0, pattern="ready to serve"))

    async def check(srv: ServerProcess) -> None:
        assert b"ready to serve" in srv.output.stderr

    srv = run(lambda: start_and_stop(spec, context(SERVERS), [], check))
    assert_nothing_left([srv.pid])


def test_ready_by_path_waits_for_the_file(tmp_path: Path) -> None:
    code = (
        "import time, signal, sys\n"
        "time.sleep(0.2)\n"
        "open(sys.argv[1], 'w').close()\n"
        "signal.pause()\n"
    )
    spec = server(
        command(*script(code), "${tmp}/ready.flag"),
        Ready("path", 10.0, path=parse_template("${tmp}/ready.flag")),
    )
    ctx = context(SERVERS, {"tmp": str(tmp_path)})

    async def check(srv: ServerProcess) -> None:
        assert (tmp_path / "ready.flag").exists()

    srv = run(lambda: start_and_stop(spec, ctx, [], check))
    assert_nothing_left([srv.pid])


def test_a_relative_ready_path_is_relative_to_the_scenario_folder(tmp_path: Path) -> None:
    code = "import signal, sys\nopen(sys.argv[1], 'w').close()\nsignal.pause()\n"
    spec = server(command(*script(code), "flag"), Ready("path", 10.0, path=parse_template("flag")))

    srv = run(lambda: start_and_stop(spec, context(tmp_path), []))
    assert (tmp_path / "flag").exists()
    assert_nothing_left([srv.pid])


def test_ready_by_delay_waits_that_long() -> None:
    spec = server(
        command(*script("import signal; signal.pause()")), Ready("delay", 0.05, delay=0.25)
    )
    started = time.monotonic()
    waited: list[float] = []

    async def check(srv: ServerProcess) -> None:
        waited.append(time.monotonic() - started)

    srv = run(lambda: start_and_stop(spec, context(SERVERS), [], check))
    # The delay is honoured even though it is longer than the ready timeout.
    assert waited[0] >= 0.25
    assert_nothing_left([srv.pid])


def test_a_udp_server_is_ready_by_its_output_line(ports: PortRegistry) -> None:
    address = ports.reserve(Address("udp", "127.0.0.1", 0))
    spec = server(
        command(PYTHON, "socketserver_udp.py", "${app.port}"),
        Ready("stdout", 10.0, pattern="Listening"),
    )
    ctx = context(SERVERS, {"app.port": str(address.port)})

    async def talk(srv: ServerProcess) -> None:
        sock = trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with sock:
            await sock.connect((address.host, address.port))
            await sock.send(b"quiet please\n")
            assert await sock.recv(100) == b"QUIET PLEASE"

    srv = run(lambda: start_and_stop(spec, ctx, [address], talk))
    assert_nothing_left([srv.pid])


# --------------------------------------------------------------------------- not ready


def test_never_ready_fails_with_what_it_printed_and_how_long_it_had(ports: PortRegistry) -> None:
    address = tcp(ports)
    code = "import signal\nprint('configuring...', flush=True)\nsignal.pause()\n"
    spec = server(command(*script(code)), Ready("connect", 0.5, location=READY_LOC))

    error = start_failure(spec, [address])
    assert error.message.startswith(
        f"server 'app' did not become ready within 500ms (ready: connect to tcp://127.0.0.1:{address.port})"
        " — check that it listens there (is the port or path passed on its command line?), "
        "or raise ready: timeout"
    )
    assert error.location == READY_LOC
    assert error.result.output is not None
    # What it printed is in the server's output, which every report shows once.
    assert error.result.output.stdout == b"configuring...\n"
    assert error.result.output.stopped_by_runner
    assert_nothing_left([error.result.output.pid or 0])


def test_the_timeout_message_names_only_the_addresses_still_closed(
    ports: PortRegistry, tmp_path: Path
) -> None:
    address = tcp(ports)
    missing = Address("unix", path=str(tmp_path / "never.sock"))
    spec = server(command(PYTHON, "greeting_server.py", str(address.port)), Ready("connect", 0.5))

    error = start_failure(spec, [address, missing])
    assert f"(ready: connect to unix:{missing.path}) — check that it listens there" in error.message
    assert error.result.output is not None
    assert_nothing_left([error.result.output.pid or 0])


def test_exiting_before_ready_reports_the_status_and_stderr() -> None:
    code = "import sys\nprint('error: config file missing', file=sys.stderr)\nsys.exit(3)\n"
    spec = server(command(*script(code)), Ready("connect", 10.0))
    address = Address("tcp", "127.0.0.1", 9)  # never listened on: the exit must come first

    started = time.monotonic()
    error = start_failure(spec, [address])
    assert time.monotonic() - started < 5  # noticed at once, not at the ready timeout
    assert error.message.startswith("server 'app' exited before it was ready, with exit status 3")
    assert error.location == LOC
    assert error.result.outcome is Outcome.ERROR
    assert error.result.output is not None
    assert error.result.output.stderr == b"error: config file missing\n"


def test_a_server_killed_by_a_signal_before_ready_says_which() -> None:
    code = "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"
    spec = server(command(*script(code)), Ready("stdout", 10.0, pattern="never"))

    assert "with signal SIGSEGV (11)" in start_failure(spec).message


def test_cancelled_while_waiting_for_readiness_leaves_no_process(tmp_path: Path) -> None:
    code = (
        "import os, sys, signal\nopen(sys.argv[1], 'w').write(str(os.getpid()))\nsignal.pause()\n"
    )
    pidfile = tmp_path / "pid"
    spec = server(command(*script(code), str(pidfile)), Ready("stdout", 30.0, pattern="never"))

    async def scenario_timeout() -> None:
        with trio.move_on_after(0.5) as scope:
            async with trio.open_nursery() as nursery:
                await start_server(spec, nursery, context(SERVERS), [])
        assert scope.cancelled_caught

    run(scenario_timeout)
    pid = int(pidfile.read_text())
    assert_nothing_left([pid])


# --------------------------------------------------------------------------- start errors


def test_a_missing_executable_is_a_located_setup_error() -> None:
    error = start_error(server(command("no-such-program-sockscen", "--port", "1"), Ready("delay")))
    assert error.location == LOC
    assert error.message.startswith(
        "server 'app': cannot start no-such-program-sockscen --port 1: "
        "no such file or directory: 'no-such-program-sockscen' (looked on PATH"
    )
    assert "check the command's spelling" in error.message


def test_a_missing_script_path_is_looked_up_relative_to_the_cwd(tmp_path: Path) -> None:
    error = start_error(server(command("./nosuch.sh"), Ready("delay")), tmp_path)
    assert (
        "no such file or directory: './nosuch.sh' (looked relative to the working directory"
        in error.message
    )
    assert str(tmp_path) in error.message


def test_a_file_without_execute_permission_is_a_setup_error(tmp_path: Path) -> None:
    (tmp_path / "serve.sh").write_text("#!/bin/sh\necho hi\n")
    error = start_error(server(command("./serve.sh"), Ready("delay")), tmp_path)
    assert error.location == LOC
    assert "permission denied: './serve.sh' is not executable" in error.message
    assert "chmod +x" in error.message


def test_an_executable_without_interpreter_line_is_a_setup_error(tmp_path: Path) -> None:
    target = tmp_path / "serve.py"
    target.write_text("print('hi')\n")
    target.chmod(target.stat().st_mode | stat.S_IXUSR)
    error = start_error(server(command("./serve.py"), Ready("delay")), tmp_path)
    assert "exec format error" in error.message
    assert "[python3, ./serve.py]" in error.message


def test_a_missing_working_directory_is_a_setup_error(tmp_path: Path) -> None:
    error = start_error(server(command("true", cwd="nowhere"), Ready("delay")), tmp_path)
    assert f"the working directory {tmp_path / 'nowhere'} does not exist" in error.message


def test_an_unknown_placeholder_in_the_command_is_a_setup_error() -> None:
    error = start_error(server(command(PYTHON, "x.py", "${db.port}"), Ready("delay")))
    assert error.location == LOC
    assert "${db.port}" in error.message


def test_connect_readiness_needs_a_stream_address() -> None:
    spec = server(command("true"), Ready("connect", location=READY_LOC))

    error = start_error(spec, addresses=[Address("udp", "127.0.0.1", 5000)])
    assert error.location == READY_LOC
    assert "use ready: {stdout: REGEX}" in error.message


def test_an_invalid_ready_regex_is_a_setup_error() -> None:
    error = start_error(
        server(command("true"), Ready("stdout", pattern="(unclosed", location=READY_LOC))
    )
    assert error.location == READY_LOC
    assert "not a valid regex" in error.message


# ------------------------------------------------------------------ exiting early, stopping


def test_a_server_exiting_after_ready_is_seen_by_wait_exit(tmp_path: Path) -> None:
    code = (
        "import os, sys, time\n"
        "print('ready', flush=True)\n"
        "for _ in range(1000):\n"
        "    if os.path.exists(sys.argv[1]):\n"
        "        break\n"
        "    time.sleep(0.01)\n"
        "print('fatal: lost the database', file=sys.stderr)\n"
        "sys.exit(4)\n"
    )
    go = tmp_path / "go"
    spec = server(command(*script(code), str(go)), Ready("stdout", 10.0, pattern="ready"))
    codes: list[int] = []

    async def crash(srv: ServerProcess) -> None:
        go.touch()
        codes.append(await srv.wait_exit())

    srv = run(lambda: start_and_stop(spec, context(SERVERS), [], crash))

    assert codes == [4]
    result = srv.result(exited_early=True)
    assert result.outcome is Outcome.FAILED
    assert result.failure is not None
    assert (
        result.failure.message
        == "server 'app' exited before the scenario ended, with exit status 4"
    )
    assert result.failure.role == "process-server"
    assert result.output is not None
    assert result.output.stderr == b"fatal: lost the database\n"
    assert not result.output.stopped_by_runner


def test_wait_exit_does_not_report_an_exit_caused_by_stop(ports: PortRegistry) -> None:
    address = tcp(ports)
    spec = server(command(PYTHON, "greeting_server.py", str(address.port)))
    reported: list[int] = []

    async def scenario() -> None:
        async with trio.open_nursery() as nursery:
            srv = await start_server(spec, nursery, context(SERVERS), [address])

            async def watch() -> None:
                reported.append(await srv.wait_exit())

            nursery.start_soon(watch)
            await trio.lowlevel.checkpoint()
            await srv.stop()
            with trio.move_on_after(0.3):
                await trio.sleep_forever()
            nursery.cancel_scope.cancel()

    run(scenario)
    assert reported == []


def test_stop_kills_a_forking_server_whose_children_ignore_sigterm(
    ports: PortRegistry, tmp_path: Path
) -> None:
    address = tcp(ports)
    pidfile = tmp_path / "pids.json"
    spec = server(
        command(PYTHON, "forking_server.py", "${app.port}", str(pidfile), "2"),
        stop=Stop(timeout=0.5),
    )
    ctx = context(SERVERS, {"app.port": str(address.port)})
    pids: list[int] = []

    async def fork_a_handler(srv: ServerProcess) -> None:
        greeting = await trio.to_thread.run_sync(receive_all, address)
        assert greeting.startswith(b"hello from ")
        # The probe connection and ours each forked a handler: 1 + 2 helpers + 2 handlers.
        pids.extend(await trio.to_thread.run_sync(read_pids, pidfile, 5))
        assert all(is_running(pid) for pid in pids)

    srv = run(lambda: start_and_stop(spec, ctx, [address], fork_a_handler))

    assert pids[0] == srv.pid
    assert_nothing_left(pids, [srv.pid])
    assert_vanished(pids)
    notes = [e.note for e in srv.result(exited_early=False).transcript if e.kind == "note"]
    assert f"sent SIGTERM to process group {srv.pid}" in notes
    assert f"sent SIGKILL to process group {srv.pid}" in notes


def test_stop_reaches_the_program_behind_a_shell_wrapper(
    ports: PortRegistry, tmp_path: Path
) -> None:
    address = tcp(ports)
    pidfile = tmp_path / "pids.json"
    line = (
        f"{PYTHON} forking_server.py ${{app.port}} {pidfile} 1; echo the shell outlived its child"
    )
    spec = server(command(line, shell=True), stop=Stop(timeout=0.5))
    ctx = context(SERVERS, {"app.port": str(address.port)})
    pids: list[int] = []

    async def collect(srv: ServerProcess) -> None:
        pids.extend(await trio.to_thread.run_sync(read_pids, pidfile, 2))

    srv = run(lambda: start_and_stop(spec, ctx, [address], collect))
    assert srv.prepared.argv[:2] == ("/bin/sh", "-c")
    assert pids[0] != srv.pid  # the python server is the shell's child, in the shell's group
    assert_nothing_left([srv.pid, *pids], [srv.pid])


def test_stop_kills_children_left_behind_by_a_leader_that_exited(tmp_path: Path) -> None:
    code = (
        "import json, os, signal, sys, time\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "    time.sleep(600)\n"
        "    os._exit(0)\n"
        "json.dump([os.getpid(), pid], open(sys.argv[1], 'w'))\n"
        "print('ready', flush=True)\n"
    )
    pidfile = tmp_path / "pids.json"
    spec = server(command(*script(code), str(pidfile)), Ready("stdout", 10.0, pattern="ready"))
    pids: list[int] = []

    async def leader_exits(srv: ServerProcess) -> None:
        assert await srv.wait_exit() == 0
        pids.extend(read_pids(pidfile, 2))
        assert is_running(pids[1])

    srv = run(lambda: start_and_stop(spec, context(SERVERS), [], leader_exits))
    assert_nothing_left(pids, [srv.pid])


def test_expect_exit_fails_when_the_server_had_to_be_killed() -> None:
    code = DEAF_TO_SIGTERM
    spec = server(
        command(*script(code)),
        Ready("stdout", 10.0, pattern="up"),
        stop=Stop(timeout=0.3),
        expect_exit=0,
    )
    srv = run(lambda: start_and_stop(spec, context(SERVERS), []))
    result = srv.result(exited_early=False)
    assert result.outcome is Outcome.FAILED
    assert result.failure is not None
    assert result.failure.message == (
        "server 'app' ended with signal SIGKILL (9) after SIGTERM, expected exit status 0"
    )
    assert result.failure.location == Location("scenario.yaml", 12, 5)
    assert result.failure.expected_text == "exit status 0"
    assert_nothing_left([srv.pid])


def test_stop_is_idempotent_and_safe_to_call_concurrently(ports: PortRegistry) -> None:
    address = tcp(ports)
    spec = server(command(PYTHON, "greeting_server.py", str(address.port)))

    async def stop_twice(srv: ServerProcess) -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(srv.stop)
            nursery.start_soon(srv.stop)
        await srv.stop()

    srv = run(lambda: start_and_stop(spec, context(SERVERS), [address], stop_twice))
    assert srv.returncode == 0
    exits = [e for e in srv.result(exited_early=False).transcript if e.kind == "exited"]
    assert len(exits) == 1


def test_stop_is_not_interrupted_by_cancellation(ports: PortRegistry) -> None:
    address = tcp(ports)
    code = DEAF_TO_SIGTERM
    spec = server(
        command(*script(code)), Ready("stdout", 10.0, pattern="up"), stop=Stop(timeout=0.3)
    )
    pids: list[int] = []

    async def scenario() -> None:
        async with trio.open_nursery() as nursery:
            srv = await start_server(spec, nursery, context(SERVERS), [address])
            pids.append(srv.pid)
            with trio.CancelScope() as scope:
                scope.cancel()
                await srv.stop()  # shielded: runs to the end although its caller is cancelled

    run(scenario)
    assert_nothing_left(pids)


def test_a_chatty_server_neither_blocks_nor_grows_memory() -> None:
    code = (
        "import sys, signal\n"
        "chunk = b'x' * 65535 + b'\\n'\n"
        "for _ in range(160):\n"  # 10 MiB: far beyond any pipe buffer
        "    sys.stdout.buffer.write(chunk)\n"
        "sys.stdout.flush()\n"
        "print('ready', file=sys.stderr, flush=True)\n"
        "signal.pause()\n"
    )
    spec = server(command(*script(code)), Ready("stderr", 20.0, pattern="ready"))
    srv = run(lambda: start_and_stop(spec, context(SERVERS), []))
    output = srv.output
    assert len(output.stdout) == 64 * 1024
    assert output.stdout_truncated == 160 * 65536 - 64 * 1024
    assert_nothing_left([srv.pid])
