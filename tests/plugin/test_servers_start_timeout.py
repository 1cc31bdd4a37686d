"""``sockscen_servers`` whose servers do not start in time: stopped, not left standing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sockscen import servers_fixture
from sockscen.servers_fixture import StandingServers
from tests.conftest import load_scenarios

NEVER_READY = """\
name: never ready
mock: true
servers:
  slow:
    command:
      - python3
      - -c
      - |
        import os, sys, time
        with open(sys.argv[1] + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(sys.argv[1] + ".tmp", sys.argv[1])
        time.sleep(100)
      - slow.pid
    listen: tcp://127.0.0.1:0
    ready: {stdout: "never printed", timeout: 60s}
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_start_that_outlasts_the_start_timeout_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(servers_fixture, "START_TIMEOUT", 1.0)
    monkeypatch.chdir(tmp_path)
    servers = StandingServers(load_scenarios(NEVER_READY, tmp_path)[0])

    with pytest.raises(pytest.fail.Exception) as failed:
        servers.__enter__()

    assert str(failed.value) == (
        "sockscen_servers: the servers did not start within 1s; what had started was stopped"
    )
    pid = int((tmp_path / "slow.pid").read_text())
    give_up = time.monotonic() + 10
    while _running(pid) and time.monotonic() < give_up:
        time.sleep(0.05)  # polling /proc for a process another thread stopped
    assert not _running(pid), f"the server program {pid} still runs"
