"""`sockscen record` as a new user meets it: wrong places, nothing said, no upstream, big data.

Each test runs the real command and checks what it prints, its exit status
and what it leaves on disk: a clear message, never a traceback, no file that
does not load, no temporary file.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_record import (
    _env,
    _free_port,
    _run_clients_against,
    _talk,
    _wait_listening,
    _wait_recording,
    upper_server,
)

__all__ = ["upper_server"]  # the fixture, used by name below

#: The recorders a test started: one still running after it (a failed assertion) is killed.
_STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_recorder_left() -> Iterator[None]:
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            proc.kill()  # by the PID we started
            proc.wait(10)


def _start(tmp_path: Path, upstream: str, *extra: str) -> tuple[subprocess.Popen[str], int]:
    listen = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "record", "--listen", f"tcp://127.0.0.1:{listen}",
         "--upstream", upstream, *extra],
        env=_env(), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    _STARTED.append(proc)
    return proc, listen


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)  # as Ctrl-C would
    stdout, stderr = proc.communicate(timeout=30)
    assert "Traceback" not in stderr
    return stdout, stderr


def test_an_unwritable_output_is_refused_before_recording(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    proc, _ = _start(tmp_path, "tcp://127.0.0.1:1", "-o", "a-file/recorded.yaml")
    stdout, stderr = proc.communicate(timeout=30)
    assert 2 == proc.returncode
    assert "" == stdout  # it never listened: nothing was recorded for nothing
    assert stderr.startswith("sockscen: error: -o a-file/recorded.yaml: cannot create its folder")


def test_stopping_before_any_connection_writes_no_file_and_says_so(tmp_path: Path) -> None:
    proc, _ = _start(tmp_path, "tcp://127.0.0.1:1", "-o", "recorded.yaml")
    _wait_recording(proc)
    _, stderr = _stop(proc)
    assert 1 == proc.returncode
    assert (
        "recording: nothing recorded (no client sent or received anything through it); "
        "recorded.yaml not written\n" == stderr
    )
    assert [] == os.listdir(tmp_path)


def test_an_upstream_that_does_not_listen_is_said_at_once_for_each_connection(
    tmp_path: Path,
) -> None:
    dead = _free_port()
    proc, listen = _start(tmp_path, f"tcp://127.0.0.1:{dead}", "-o", "recorded.yaml")
    _wait_recording(proc)
    assert proc.stderr is not None
    for _ in range(2):
        # The client sees the refusal as a reset (sometimes before connect returns).
        with (
            contextlib.suppress(ConnectionResetError),
            socket.create_connection(("127.0.0.1", listen), 5) as s,
        ):
            s.settimeout(10)
            assert b"" == s.recv(10)
    # Said while recording, before the user gives up:
    for n in (1, 2):
        assert proc.stderr.readline().startswith(
            f"recording: connection {n}: the upstream is unreachable: "
            f"connection refused by tcp://127.0.0.1:{dead}"
        )
    _, stderr = _stop(proc)
    assert 1 == proc.returncode
    assert (
        f"recording: nothing recorded (2 connection(s) could not reach the upstream "
        f"tcp://127.0.0.1:{dead}); recorded.yaml not written\n" == stderr
    )
    assert [] == os.listdir(tmp_path)


def test_a_listen_address_in_use_is_an_error_naming_it(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "sockscen", "record", "--listen", f"tcp://127.0.0.1:{port}",
             "--upstream", "tcp://127.0.0.1:1", "-o", "recorded.yaml"],
            env=_env(), cwd=tmp_path, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    assert 1 == done.returncode
    assert done.stderr.startswith(
        f"sockscen: error: --listen tcp://127.0.0.1:{port}: cannot listen on "
        f"tcp://127.0.0.1:{port}: the address is already in use"
    )
    assert [] == os.listdir(tmp_path)


def test_a_large_binary_message_goes_to_a_payload_file_and_the_recording_runs(
    tmp_path: Path, upper_server: int
) -> None:
    line = bytes(b for b in os.urandom(200_000) if b != 0x0A) + b"\n"
    proc, listen = _start(
        tmp_path, f"tcp://127.0.0.1:{upper_server}", "-o", "big.yaml", "--connections", "1"
    )
    _wait_recording(proc)
    with socket.create_connection(("127.0.0.1", listen), 5) as s:
        s.sendall(line)
        got = b""
        while len(got) < len(line):
            chunk = s.recv(65536)
            assert chunk
            got += chunk
        assert line.upper() == got
    stdout, stderr = proc.communicate(timeout=30)
    assert 0 == proc.returncode, stderr
    assert (
        "recording: 1 connection(s) written to big.yaml (and 2 payload file(s) in big.data/)\n"
        == stdout.splitlines(keepends=True)[-1]
    )
    assert ["0001.bin", "0002.bin"] == sorted(os.listdir(tmp_path / "big.data"))
    assert line == (tmp_path / "big.data" / "0001.bin").read_bytes()
    assert (tmp_path / "big.yaml").stat().st_size < 2000
    assert {"big.yaml", "big.data"} == set(os.listdir(tmp_path))  # no temporary file left
    done = subprocess.run(
        [sys.executable, "-m", "sockscen", "run", "big.yaml"],
        env=_env(), cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert 0 == done.returncode, done.stdout + done.stderr


def test_an_upstream_that_is_the_listen_address_itself_is_refused(tmp_path: Path) -> None:
    # It recorded thousands of connections a second, each to itself.
    port = _free_port()
    done = subprocess.run(
        [sys.executable, "-m", "sockscen", "record", "--listen", f"tcp://127.0.0.1:{port}",
         "--upstream", f"tcp://localhost:{port}", "-o", "recorded.yaml", "--duration", "5s"],
        env=_env(), cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert 1 == done.returncode
    assert (
        f"sockscen: error: --listen tcp://127.0.0.1:{port}: its upstream tcp://localhost:{port} "
        f"is its own listen address tcp://127.0.0.1:{port}: every connection would come back "
        "to it\n" == done.stderr
    )
    assert [] == os.listdir(tmp_path)


#: Answers, at the end of each request (a half-close), how many bytes it had: like `wc -c`.
COUNTER = """
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
while True:
    c, _ = s.accept()
    n = 0
    while data := c.recv(65536):
        n += len(data)
    try:
        c.sendall(b"%d\\n" % n)
    except OSError:
        pass  # the readiness probe does not wait for an answer
    c.close()
"""


def test_a_half_close_is_recorded_so_the_replay_passes_against_the_real_server(
    tmp_path: Path,
) -> None:
    upstream = _free_port()
    server = subprocess.Popen([sys.executable, "-c", COUNTER, str(upstream)])
    try:
        _wait_listening(upstream, server)
        proc, listen = _start(
            tmp_path, f"tcp://127.0.0.1:{upstream}", "-o", "wc.yaml", "--connections", "1"
        )
        _wait_recording(proc)
        with socket.create_connection(("127.0.0.1", listen), 5) as s:
            s.sendall(b"hello world")
            s.shutdown(socket.SHUT_WR)
            s.settimeout(10)
            assert b"11\n" == s.recv(100)
        stdout, stderr = proc.communicate(timeout=30)
        assert 0 == proc.returncode, stdout + stderr
        _run_clients_against(tmp_path, tmp_path / "wc.yaml", upstream)
    finally:
        server.kill()  # by the PID we started
        server.wait(10)


def _few_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))


def test_running_out_of_file_descriptors_stops_the_recording_and_says_why(
    tmp_path: Path, upper_server: int
) -> None:
    # The proxy stopped accepting, silently: clients were refused until the user gave up.
    listen = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "record", "--listen", f"tcp://127.0.0.1:{listen}",
         "--upstream", f"tcp://127.0.0.1:{upper_server}", "-o", "recorded.yaml",
         "--duration", "60s"],
        env=_env(), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_few_files,
    )  # fmt: skip
    _STARTED.append(proc)
    _wait_recording(proc)
    clients = []
    try:
        for _ in range(40):
            try:
                s = socket.create_connection(("127.0.0.1", listen), 5)
            except OSError:
                break  # the recorder has stopped listening
            clients.append(s)
            s.sendall(b"hello\n")
        stdout, stderr = proc.communicate(timeout=30)  # well before --duration
    finally:
        for s in clients:
            s.close()
    assert 1 == proc.returncode, stdout + stderr
    assert "Traceback" not in stderr
    assert (
        f"recording: stopped: cannot accept more connections on tcp://127.0.0.1:{listen}: "
        "too many open files" in stderr
    )


def test_nobody_reading_the_output_does_not_stop_the_recording(
    tmp_path: Path, upper_server: int
) -> None:
    # `sockscen record ... | head -1`: the first print met a closed pipe, an internal error.
    listen = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "record", "--listen", f"tcp://127.0.0.1:{listen}",
         "--upstream", f"tcp://127.0.0.1:{upper_server}", "-o", "recorded.yaml",
         "--connections", "1"],
        env=_env(), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    _STARTED.append(proc)
    assert proc.stdout is not None
    proc.stdout.close()  # before it prints anything: it starts slower than this
    deadline = time.monotonic() + 30
    while True:  # until it listens (or its error)
        assert proc.poll() is None, proc.communicate()
        try:
            _talk(listen, [b"hello\n"])
            break
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, "sockscen record never listened"
            time.sleep(0.05)
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    assert 1 == proc.wait(30)  # the last line could not be said either
    assert "" == stderr
    assert "hello\\n" in (tmp_path / "recorded.yaml").read_text()


def _record_one(tmp_path: Path, upstream: int, output: str) -> subprocess.Popen[str]:
    proc, listen = _start(
        tmp_path, f"tcp://127.0.0.1:{upstream}", "-o", output, "--connections", "1"
    )
    _wait_recording(proc)
    _talk(listen, [b"hello\n"])
    return proc


def test_an_output_that_is_a_link_is_written_through_and_stays_a_link(
    tmp_path: Path, upper_server: int
) -> None:
    (tmp_path / "kept").mkdir()
    (tmp_path / "recorded.yaml").symlink_to(tmp_path / "kept" / "real.yaml")
    proc = _record_one(tmp_path, upper_server, "recorded.yaml")
    stdout, stderr = proc.communicate(timeout=30)
    assert 0 == proc.returncode, stdout + stderr
    assert (tmp_path / "recorded.yaml").is_symlink()
    assert "hello\\n" in (tmp_path / "kept" / "real.yaml").read_text()
    assert ["real.yaml"] == os.listdir(tmp_path / "kept")  # no temporary file left


def test_an_output_that_is_a_pipe_gets_the_scenario_written_into_it(
    tmp_path: Path, upper_server: int
) -> None:
    # Atomic replacing would have put a regular file in the FIFO's place
    # (and, for `-o /dev/stdout` as root, in /dev).
    fifo = tmp_path / "scenario.fifo"
    os.mkfifo(fifo)
    got: list[str] = []

    def read() -> None:  # waits in open() until the recorder opens the FIFO to write
        with open(fifo, encoding="utf-8") as reader:
            got.append(reader.read())

    # Reading first: a FIFO nobody reads is refused at once, not waited on.
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc = _record_one(tmp_path, upper_server, str(fifo))
    stdout, stderr = proc.communicate(timeout=30)
    with contextlib.suppress(OSError):  # no reader left (ENXIO): it has read the scenario
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # else this ends its wait
    reader.join(10)
    assert 0 == proc.returncode, stdout + stderr
    assert "hello\\n" in got[0]
    assert fifo.is_fifo()
    assert ["scenario.fifo"] == os.listdir(tmp_path)


def test_an_output_pipe_nobody_reads_is_an_error_not_a_wait_for_ever(
    tmp_path: Path, upper_server: int
) -> None:
    fifo = tmp_path / "scenario.fifo"
    os.mkfifo(fifo)
    proc = _record_one(tmp_path, upper_server, str(fifo))
    stdout, stderr = proc.communicate(timeout=30)  # it waited for a reader, for ever
    assert 1 == proc.returncode, stdout + stderr
    assert f"sockscen: error: cannot write {fifo}: nobody reads that FIFO" in stderr


def test_a_recording_stops_at_its_limit_and_what_it_kept_runs(
    tmp_path: Path, upper_server: int
) -> None:
    # Everything relayed was kept: a client (or server) flooding grew the recorder without bound.
    proc, listen = _start(tmp_path, f"tcp://127.0.0.1:{upper_server}", "-o", "flood.yaml")
    _wait_recording(proc)
    line = b"x" * 65535 + b"\n"
    with socket.create_connection(("127.0.0.1", listen), 5) as s:
        s.settimeout(10)
        with contextlib.suppress(OSError):  # until the recorder stops and closes it
            for _ in range(1000):  # 64 MiB: far more than a recording keeps
                s.sendall(line)
                got = b""
                while len(got) < len(line):
                    chunk = s.recv(len(line) - len(got))
                    if not chunk:
                        raise ConnectionResetError
                    got += chunk
    stdout, stderr = proc.communicate(timeout=30)
    assert 0 == proc.returncode, stdout + stderr
    assert "recording: stopped: a recording keeps at most 16 MiB" in stderr
    files = os.listdir(tmp_path / "flood.data")
    # One file per distinct payload: the x's, the X's (and the last, cut short, ones).
    assert {"0001.bin", "0002.bin"} <= set(files)
    assert len(files) <= 4
    done = subprocess.run(
        [sys.executable, "-m", "sockscen", "run", "flood.yaml"],
        env=_env(), cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert 0 == done.returncode, done.stdout + done.stderr


def test_connections_on_a_datagram_recording_is_a_usage_error(tmp_path: Path) -> None:
    # Datagram senders never end: it recorded until Ctrl-C, --connections silently unused.
    done = subprocess.run(
        [sys.executable, "-m", "sockscen", "record", "--listen", "udp://127.0.0.1:0",
         "--upstream", "udp://127.0.0.1:9", "--connections", "1", "-o", "recorded.yaml"],
        env=_env(), cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert 2 == done.returncode
    assert (
        "sockscen: error: --connections counts stream connections; a datagram recording "
        "stops with --duration or Ctrl-C\n" == done.stderr
    )


def test_a_file_in_the_way_of_the_listen_socket_is_named_with_advice_that_holds(
    tmp_path: Path,
) -> None:
    (tmp_path / "rec.sock").write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "sockscen", "record", "--listen", "unix:rec.sock",
         "--upstream", "tcp://127.0.0.1:1", "-o", "recorded.yaml"],
        env=_env(), cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert 1 == done.returncode
    sock = (tmp_path / "rec.sock").resolve()  # as the recorder makes it absolute
    assert (
        f"sockscen: error: --listen unix:{sock}: cannot listen on unix:{sock}: a file already "
        f"exists at {sock} (a stale socket from an earlier run?); remove it\n" == done.stderr
    )
