"""``sockscen serve``: servers up for other programs, addresses announced, checks on exit."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .cli_support import RUN_LIMIT, cli_env, sockscen

MOCK = """\
name: login host
mock: true
servers:
  host:
    listen: tcp://127.0.0.1:0
    framing: line
    rules:
      - {when: {regex: "LOGIN (?P<user>\\\\w+)"}, goto: in, reply: "welcome ${user}"}
      - {when: BALANCE, state: in, reply: "${user}: 10", expect_count: 1}
    default: {reply: "login first"}
    expect_unmatched: 1
---
name: other
mock: true
servers:
  x: {listen: "tcp://127.0.0.1:0", rules: [{when: a, reply: b}]}
"""


def _wait_for(path: Path, proc: subprocess.Popen[str]) -> dict[str, dict[str, object]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            found: dict[str, dict[str, object]] = json.loads(path.read_text())
            return found
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)  # polling a file another process writes: bounded by the deadline
    raise AssertionError("no addresses written")


def test_serve_until_sigterm_then_check_and_report(tmp_path: Path) -> None:
    (tmp_path / "mock.yaml").write_text(MOCK)
    addresses = tmp_path / "addresses.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "serve", "mock.yaml", "-k", "login",
         "--addresses-json", str(addresses)],
        cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        host = _wait_for(addresses, proc)["host"]
        with socket.create_connection((str(host["host"]), int(str(host["port"]))), 5) as sock:
            sock.sendall(b"BALANCE\nLOGIN ann\nBALANCE\n")
            sock.shutdown(socket.SHUT_WR)
            replies = sock.makefile("rb").read()
        assert replies == b"login first\nwelcome ann\nann: 10\n"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=RUN_LIMIT)
    finally:
        proc.kill()
    assert proc.returncode == 0, out + err
    assert f"host  {host['url']}\n" in out
    assert "PASS  login host  mock.yaml:1" in out


def test_serve_duration_checks_counts_and_needs_a_choice(tmp_path: Path) -> None:
    (tmp_path / "mock.yaml").write_text(MOCK)
    several = sockscen("serve", "mock.yaml", cwd=tmp_path)
    assert several.returncode == 2
    assert "holds several scenarios (login host, other): choose one with -k NAME" in several.stderr
    done = sockscen("serve", "mock.yaml", "-k", "login", "--duration", "0.2s", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "rule 2 matched 0 requests, expected 1" in done.stdout


def test_run_counts_mocks_without_clients_as_not_run(tmp_path: Path) -> None:
    (tmp_path / "mock.yaml").write_text(MOCK)
    done = sockscen("run", "mock.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 passed, 0 failed, 2 mocks not run in" in done.stdout
