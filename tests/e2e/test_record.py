"""`sockscen record` round trip: record against deterministic servers (ours, redis-server)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from sockscen.schema import schema

REPO = Path(__file__).resolve().parents[2]
SERVER = REPO / "scenarios" / "servers" / "socketserver_tcp.py"


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "runner")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def upper_server() -> Iterator[int]:
    """The socketserver example (answers each line in upper case) on a free port."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), str(port)], stdout=subprocess.DEVNULL, text=True
    )
    try:
        _wait_listening(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def _talk(port: int, lines: list[bytes]) -> None:
    with socket.create_connection(("127.0.0.1", port), 5) as s:
        for line in lines:
            s.sendall(line)
            got = b""
            while not got.endswith(b"\n"):
                got += s.recv(1024)
            assert line.upper() == got


def _wait_recording(proc: subprocess.Popen[str]) -> None:
    """Until `sockscen record` says it listens (its output, when it ended instead)."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("recording: clients connect to "):
        stdout, stderr = proc.communicate(timeout=30)
        raise AssertionError(f"sockscen record (exit {proc.returncode}): {line + stdout + stderr}")


def _record(
    tmp_path: Path,
    upstream: int,
    talk: Callable[[int], None] | None = None,
    *,
    framing: str = "line",
    connections: int = 2,
    on_start: Callable[[str], None] | None = None,
) -> tuple[Path, str]:
    """Record what *talk* (given the proxy's port) says through `sockscen record` to *upstream*."""
    listen = _free_port()
    out = tmp_path / "recorded.yaml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "record", "--listen", f"tcp://127.0.0.1:{listen}",
         "--upstream", f"tcp://127.0.0.1:{upstream}", "--framing", framing,
         "--connections", str(connections), "-o", str(out)],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    # Not a probing connect: it would be recorded (and counted) like any other.
    _wait_recording(proc)
    if on_start is not None:
        assert proc.stdout is not None
        on_start(proc.stdout.readline())  # what record says after where it listens
    if talk is None:
        _talk(listen, [b"hello\n", b"caf\xc3\xa9 au lait\n"])
        _talk(listen, [b"hello\n", b"\x00\x01 binary\n"])
    else:
        talk(listen)
    stdout, stderr = proc.communicate(timeout=30)
    assert 0 == proc.returncode, stdout + stderr
    return out, stdout


def test_record_writes_a_rule_server_and_clients_replaying_the_conversation(
    tmp_path: Path, upper_server: int
) -> None:
    out, stdout = _record(tmp_path, upper_server)
    assert "2 connection(s) written" in stdout
    text = out.read_text()
    assert text.startswith("# Recorded by `sockscen record` on ")
    doc = yaml.safe_load(text)
    rules = doc["servers"]["recorded"]["rules"]
    assert {"when": "hello\n", "reply": "HELLO\n"} == rules[0]
    assert {"when": "café au lait\n", "reply": "CAFé AU LAIT\n"} == rules[1]
    assert {"when": {"hex": "00 01 20 62 69 6e 61 72 79 0a"}} == {"when": rules[2]["when"]}
    steps = doc["clients"]["connection1"]["steps"]
    assert [{"send": "hello\n"}, {"expect": "HELLO\n"}] == steps[:2]
    assert {"wait": "connection1-done"} == doc["clients"]["connection2"]["steps"][0]


def test_the_recorded_client_passes_against_the_real_upstream(
    tmp_path: Path, upper_server: int
) -> None:
    out, _ = _record(tmp_path, upper_server)
    _run_clients_against(tmp_path, out, upper_server)


def _run_clients_against(tmp_path: Path, recorded: Path, port: int) -> None:
    """Run the recorded clients, without the recorded server, against the real one on *port*."""
    doc = yaml.safe_load(recorded.read_text())
    del doc["servers"]
    for client in doc["clients"].values():
        client["connect"] = f"tcp://127.0.0.1:{port}"
    replay = tmp_path / "replay.yaml"
    replay.write_text(json.dumps(doc))
    done = subprocess.run(
        [sys.executable, "-m", "sockscen", "run", str(replay)],
        env=_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert 0 == done.returncode, done.stdout + done.stderr


@pytest.mark.skipif(
    "ruleServer" not in schema()["$defs"],
    reason="rule servers (rules:) are not in this build: record -> validate -> run waits for them",
)
def test_record_says_when_it_will_stop(tmp_path: Path, upper_server: int) -> None:
    """It said 'stop with Ctrl-C' even when --connections or --duration would end it."""
    said: list[str] = []
    _record(tmp_path, upper_server, on_start=said.append)
    assert said == ["recording: stops once 2 connection(s) have ended (Ctrl-C stops earlier)\n"]


def test_the_recorded_file_validates_and_runs(tmp_path: Path, upper_server: int) -> None:
    out, _ = _record(tmp_path, upper_server)
    for command in ("validate", "run"):
        done = subprocess.run(
            [sys.executable, "-m", "sockscen", command, str(out)],
            env=_env(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert 0 == done.returncode, done.stdout + done.stderr


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[int]:
    """A redis-server of our own on a free loopback port, persisting nothing; killed after."""
    program = shutil.which("redis-server")
    if program is None:
        message = "redis-server not found: install it (Debian: apt-get install redis-server)"
        if os.environ.get("SOCKSCEN_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    proc = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--daemonize", "no", "--dir", str(tmp_path), "--logfile", ""],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        _wait_listening(port, proc)
        yield port
    finally:
        proc.kill()  # by the PID we started; it saves nothing, so no need to let it finish
        proc.wait(10)


#: RESP commands and redis-server's replies to them, sent one at a time.
REDIS_TALK = [
    (b"*1\r\n$4\r\nPING\r\n", b"+PONG\r\n"),
    (b"*3\r\n$3\r\nSET\r\n$12\r\nsockscen:key\r\n$5\r\nhello\r\n", b"+OK\r\n"),
    (b"*2\r\n$3\r\nGET\r\n$12\r\nsockscen:key\r\n", b"$5\r\nhello\r\n"),
]


def _talk_redis(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), 5) as s:
        for command, reply in REDIS_TALK:
            s.sendall(command)
            got = b""
            while len(got) < len(reply):  # the whole reply before the next command
                chunk = s.recv(1024)
                assert chunk, f"redis-server closed the connection after {got!r}"
                got += chunk
            assert reply == got


@pytest.mark.skipif(
    "ruleServer" not in schema()["$defs"],
    reason="rule servers (rules:) are not in this build: record -> validate -> run waits for them",
)
def test_a_redis_conversation_records_validates_runs_and_replays_against_redis(
    tmp_path: Path, redis_server: int
) -> None:
    out, stdout = _record(tmp_path, redis_server, _talk_redis, framing="crlf", connections=1)
    assert "1 connection(s) written" in stdout
    steps = yaml.safe_load(out.read_text())["clients"]["connection1"]["steps"]
    assert {"expect": "+PONG\r\n"} == steps[1]
    assert {"expect": ["$5\r\n", "hello\r\n"]} == steps[5]
    for command in ("validate", "run"):
        done = subprocess.run(
            [sys.executable, "-m", "sockscen", command, str(out)],
            env=_env(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert 0 == done.returncode, done.stdout + done.stderr
    _run_clients_against(tmp_path, out, redis_server)


#: A deterministic UDP server: each datagram back in upper case.
UDP_UPPER = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    data, peer = s.recvfrom(65536)
    s.sendto(data.upper(), peer)
"""


def _wait_answering(port: int) -> None:
    """Until the UDP server on *port* answers (straight, not through the recorder)."""
    deadline = time.monotonic() + 20
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        s.connect(("127.0.0.1", port))
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                s.send(b"?")
                s.recv(16)
                return
    raise AssertionError(f"no UDP server answers on {port}")


def test_a_datagram_conversation_records_and_runs(tmp_path: Path) -> None:
    upstream, listen = _free_port(), _free_port()
    server = subprocess.Popen([sys.executable, "-c", UDP_UPPER, str(upstream)])
    out = tmp_path / "recorded.yaml"
    try:
        _wait_answering(upstream)
        proc = subprocess.Popen(
            [sys.executable, "-m", "sockscen", "record", "--listen", f"udp://127.0.0.1:{listen}",
             "--upstream", f"udp://127.0.0.1:{upstream}", "--duration", "30", "-o", str(out)],
            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        _wait_recording(proc)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(10)
            s.connect(("127.0.0.1", listen))
            for word in (b"one", b"two"):
                s.send(word)
                assert word.upper() == s.recv(100)
        proc.send_signal(signal.SIGINT)  # as Ctrl-C would
        stdout, stderr = proc.communicate(timeout=30)
        assert 0 == proc.returncode, stdout + stderr
    finally:
        server.kill()
        server.wait(10)
    steps = yaml.safe_load(out.read_text())["clients"]["connection1"]["steps"]
    assert [{"send": "one"}, {"expect": "ONE"}, {"send": "two"}, {"expect": "TWO"}] == steps[:4]
    done = subprocess.run(
        [sys.executable, "-m", "sockscen", "run", str(out)],
        env=_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert 0 == done.returncode, done.stdout + done.stderr
