"""``sockscen serve`` against a hostile peer: the mock stays up for everyone else."""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .cli_support import RUN_LIMIT, cli_env

MOCK = """\
name: kv mock
mock: true
servers:
  kv:
    listen: tcp://127.0.0.1:0
    framing: line
    rules:
      - {when: PING, reply: PONG}
"""


def _port(path: Path, proc: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + 30
    while not (path.exists() and path.read_text().endswith("\n")):
        assert time.monotonic() < deadline, "no addresses written"
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)  # polling a file another process writes: bounded by the deadline
    return int(json.loads(path.read_text())["kv"]["port"])


def test_a_reset_mid_request_fails_that_connection_and_serving_goes_on(tmp_path: Path) -> None:
    (tmp_path / "mock.yaml").write_text(MOCK)
    where = tmp_path / "addresses.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "serve", "mock.yaml", "--addresses-json", str(where)],
        cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        port = _port(where, proc)
        with socket.create_connection(("127.0.0.1", port), 5) as bad:
            bad.sendall(b"PIN")
            bad.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with socket.create_connection(("127.0.0.1", port), 5) as good:
            good.sendall(b"PING\n")
            good.shutdown(socket.SHUT_WR)
            assert good.makefile("rb").read() == b"PONG\n"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=RUN_LIMIT)
    finally:
        proc.kill()
    assert proc.returncode == 1, out + err
    assert "kv#1 failed (mock.yaml:4:3): the connection to tcp://127.0.0.1:" in err
    assert "was reset by the peer; still serving" in err
    assert "FAIL  kv mock  mock.yaml:1" in out
    assert "scripted server kv#1 (mock.yaml:4)" in out
    assert "Traceback" not in out + err


def _soft_limit_256() -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))


def test_serve_raises_the_open_file_limit_as_run_does(tmp_path: Path) -> None:
    """Under a soft limit of 256, 400 clients at once are all served (the hard limit allows it)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.skip(f"the hard limit of open files is {hard}: nothing to raise")
    (tmp_path / "mock.yaml").write_text(MOCK)
    where = tmp_path / "addresses.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "serve", "mock.yaml", "--addresses-json", str(where)],
        cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_soft_limit_256,
    )  # fmt: skip
    clients: list[socket.socket] = []
    try:
        port = _port(where, proc)
        for _ in range(400):
            clients.append(socket.create_connection(("127.0.0.1", port), 5))
        for client in clients:
            client.sendall(b"PING\n")
        answers = [client.makefile("rb").readline() for client in clients]
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=RUN_LIMIT)
    finally:
        for client in clients:
            client.close()
        proc.kill()
    assert answers == [b"PONG\n"] * 400
    assert proc.returncode == 0, out + err


def _hard_limit_64() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


def _stderr_line_with(proc: subprocess.Popen[str], text: str) -> str:
    """Read *proc*'s stderr until it holds *text* (bounded); return what was read."""
    assert proc.stderr is not None
    fd = proc.stderr.fileno()  # read unbuffered, so select never waits on buffered text
    read = b""
    deadline = time.monotonic() + RUN_LIMIT
    while text.encode() not in read:
        left = deadline - time.monotonic()
        assert left > 0, read
        assert select.select([fd], [], [], left)[0], read
        chunk = os.read(fd, 4096)
        assert chunk, read.decode() + proc.communicate()[0]
        read += chunk
    return read.decode()


def test_out_of_file_descriptors_clients_wait_until_connections_close(tmp_path: Path) -> None:
    """100 clients at once against 64 descriptors: each is served once earlier ones close."""
    (tmp_path / "mock.yaml").write_text(MOCK)
    where = tmp_path / "addresses.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "serve", "mock.yaml", "--addresses-json", str(where)],
        cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_hard_limit_64,
    )  # fmt: skip
    clients: list[socket.socket] = []
    answers: list[bytes] = []
    try:
        port = _port(where, proc)
        for _ in range(100):
            clients.append(socket.create_connection(("127.0.0.1", port), 10))
        for client in clients:
            client.sendall(b"PING\n")
        # Every client stays open until serve has said it ran out: reading and
        # closing them at once could let a fast server keep under 64 descriptors.
        said = _stderr_line_with(proc, "too many open files")
        for client in clients:  # closing each one frees a descriptor for a later one
            with client:
                answers.append(client.makefile("rb").readline())
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=RUN_LIMIT)
        err = said + err
    finally:
        for client in clients:
            client.close()
        proc.kill()
    assert answers == [b"PONG\n"] * 100
    assert proc.returncode == 1, out + err
    assert "too many open files" in err
    assert "accepting again as connections close; still serving" in err
