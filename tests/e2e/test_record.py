"""`sockscen record` round trip: record against a deterministic server of ours, then replay."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


def _record(tmp_path: Path, upstream: int) -> tuple[Path, str]:
    listen = _free_port()
    out = tmp_path / "recorded.yaml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sockscen", "record", "--listen", f"tcp://127.0.0.1:{listen}",
         "--upstream", f"tcp://127.0.0.1:{upstream}", "--framing", "line",
         "--connections", "2", "-o", str(out)],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    # Not a probing connect: it would be recorded (and counted) like any other.
    assert proc.stdout.readline().startswith("recording: clients connect to ")
    _talk(listen, [b"hello\n", b"caf\xc3\xa9 au lait\n"])
    _talk(listen, [b"hello\n", b"\x00\x01 binary\n"])
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
    doc = yaml.safe_load(out.read_text())
    del doc["servers"]
    for client in doc["clients"].values():
        client["connect"] = f"tcp://127.0.0.1:{upper_server}"
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
def test_the_recorded_file_validates_and_runs(tmp_path: Path, upper_server: int) -> None:
    out, _ = _record(tmp_path, upper_server)
    for command in ("validate", "run"):
        done = subprocess.run(
            [sys.executable, "-m", "sockscen", command, str(out)],
            env=_env(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert 0 == done.returncode, done.stdout + done.stderr
