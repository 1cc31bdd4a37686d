"""The suites ``run_all.py`` measures, written under a temporary folder.

Each check exists twice: as sockscen scenario files, and as the pytest test a
team writes by hand with ``socket`` and ``threading`` / ``subprocess`` (the
baseline sockscen has to beat).
"""

from __future__ import annotations

import sys
from pathlib import Path

SMALL = """\
name: small check {i}
servers:
  s:
    listen: tcp://127.0.0.1:0
    handle:
      - expect: "a"
      - send: "b"
      - expect: "c"
      - send: "d"
      - expect: "e"
      - send: "f"
clients:
  c:
    connect: ${{s.url}}
    steps:
      - send: "a"
      - expect: "b"
      - send: "c"
      - expect: "d"
      - send: "e"
      - expect: "f"
"""

SMALL_HELPER = '''\
"""What a team writes by hand: a scripted TCP server in a thread, a client, one-byte exchanges."""

import socket
import threading

EXCHANGES = [(b"a", b"b"), (b"c", b"d"), (b"e", b"f")]


def check_exchanges():
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(5)
    failures = []

    def serve():
        conn, _ = server.accept()
        with conn:
            conn.settimeout(5)
            for asked, answer in EXCHANGES:
                if conn.recv(1) != asked:
                    failures.append("server got other bytes")
                    return
                conn.sendall(answer)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with socket.create_connection(server.getsockname(), timeout=5) as client:
            for asked, answer in EXCHANGES:
                client.sendall(asked)
                assert client.recv(1) == answer
    finally:
        thread.join(5)
        server.close()
    assert not failures
'''

SMALL_TEST = "def test_small_check_{i}():\n    check_exchanges()\n\n\n"

ECHO_SERVER = '''\
"""The program under test: a TCP echo server, one connection at a time."""

import socket
import sys

with socket.create_server(("127.0.0.1", int(sys.argv[1]))) as server:
    while True:
        conn, _ = server.accept()
        with conn:
            while data := conn.recv(4096):
                conn.sendall(data)
'''

PROCESS = """\
name: process check {i}
servers:
  app:
    command: [{python}, {server}, "${{app.port}}"]
    listen: tcp://127.0.0.1:0
clients:
  c:
    connect: ${{app.url}}
    steps:
      - send: "ping\\n"
      - expect: "ping\\n"
      - send: "pong\\n"
      - expect: "pong\\n"
      - expect_silence: 100ms
"""

PROCESS_HELPER = '''\
"""What a team writes by hand: start the server, wait until it accepts, talk, stop it."""

import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check_server(server_path):
    port = free_port()
    process = subprocess.Popen([sys.executable, server_path, str(port)])
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                client = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "server never accepted"
                time.sleep(0.01)
        with client:
            for line in (b"ping\\n", b"pong\\n"):
                client.sendall(line)
                assert client.recv(64) == line
            client.settimeout(0.1)
            try:
                extra = client.recv(64)
            except socket.timeout:
                extra = None
            assert extra is None, "server sent more"
    finally:
        process.terminate()
        process.wait(5)
'''

PROCESS_TEST = "def test_process_check_{i}():\n    check_server(SERVER)\n\n\n"


def _write_tests(
    folder: Path, helper_name: str, helper: str, header: str, test: str, n: int
) -> None:
    folder.mkdir(parents=True)
    (folder / f"{helper_name}.py").write_text(helper)
    per_file = 100
    for start in range(0, n, per_file):
        body = header + "".join(test.format(i=i) for i in range(start, min(n, start + per_file)))
        (folder / f"test_{start // per_file:03d}.py").write_text(body)


def small_checks(root: Path, n: int) -> tuple[Path, Path]:
    """N small scenarios (in ``scenarios/``: the plugin collects them) and their pytest twin."""
    scenarios = root / "small" / "scenarios"
    scenarios.mkdir(parents=True)
    for i in range(n):
        (scenarios / f"s{i:04d}.yaml").write_text(SMALL.format(i=i))
    tests = root / "small_pytest"
    header = "from small_helper import check_exchanges\n\n\n"
    _write_tests(tests, "small_helper", SMALL_HELPER, header, SMALL_TEST, n)
    return scenarios, tests


def process_checks(root: Path, n: int) -> tuple[Path, Path]:
    """N scenarios each starting a server process, and their pytest twin."""
    server = root / "echo_server.py"
    server.write_text(ECHO_SERVER)
    scenarios = root / "process" / "scenarios"
    scenarios.mkdir(parents=True)
    for i in range(n):
        text = PROCESS.format(i=i, python=sys.executable, server=server)
        (scenarios / f"p{i:04d}.yaml").write_text(text)
    tests = root / "process_pytest"
    header = f"from process_helper import check_server\n\nSERVER = {str(server)!r}\n\n\n"
    _write_tests(tests, "process_helper", PROCESS_HELPER, header, PROCESS_TEST, n)
    return scenarios, tests
