"""Helpers for the process tests: model builders and "is anything of ours left?" checks."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sockscen.errors import Location
from sockscen.model import Command, ProcessClient, ProcessServer, Ready, Stop
from sockscen.placeholders import PlaceholderError, Ref, parse_template
from sockscen.processes import ProcessContext

REPO = Path(__file__).resolve().parents[2]
SERVERS = REPO / "scenarios" / "servers"
PYTHON = sys.executable
LOC = Location("scenario.yaml", 7, 5)
READY_LOC = Location("scenario.yaml", 9, 7)


def command(
    *argv: str, shell: bool = False, env: dict[str, str] | None = None, cwd: str | None = None
) -> Command:
    return Command(
        tuple(parse_template(a) for a in argv),
        LOC,
        shell=shell,
        env=tuple((k, parse_template(v)) for k, v in (env or {}).items()),
        cwd=None if cwd is None else parse_template(cwd),
    )


def server(
    cmd: Command,
    ready: Ready | None = None,
    *,
    name: str = "app",
    stop: Stop | None = None,
    expect_exit: int | None = None,
) -> ProcessServer:
    return ProcessServer(
        name,
        cmd,
        (),
        ready or Ready("connect", 10.0, location=READY_LOC),
        Location("scenario.yaml", 5, 3),
        stop or Stop(),
        expect_exit,
        Location("scenario.yaml", 12, 5) if expect_exit is not None else None,
    )


def client(cmd: Command, **kwargs: object) -> ProcessClient:
    return ProcessClient("cli", cmd, Location("scenario.yaml", 20, 3), **kwargs)  # type: ignore[arg-type]


def lookup_from(values: dict[str, str]) -> Callable[[Ref], str]:
    def lookup(ref: Ref) -> str:
        key = ".".join(ref.path)
        if key not in values:
            raise PlaceholderError(f"unknown placeholder {ref.text}")
        return values[key]

    return lookup


def context(
    directory: Path | str, values: dict[str, str] | None = None, started: float = 0.0
) -> ProcessContext:
    return ProcessContext(lookup_from(values or {}), str(directory), started)


# --------------------------------------------------------------------------- process checks


def proc_state(pid: int) -> tuple[str, int] | None:
    """(state, pgrp) of *pid* from /proc, or None when it does not exist."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = raw[raw.rfind(b")") + 2 :].split()
    return fields[0].decode(), int(fields[2])


def is_running(pid: int) -> bool:
    """True when *pid* exists and is not a zombie.

    A zombie is dead: it only waits for its parent, or for init once
    orphaned, to collect its status, which no test can hurry.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = proc_state(pid)
    return state is not None and state[0] not in ("Z", "X")


def group_running(pgid: int) -> list[int]:
    """Pids of live processes whose process group is *pgid*."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            state = proc_state(int(entry))
            if state is not None and state[1] == pgid and state[0] not in ("Z", "X"):
                found.append(int(entry))
    return found


def assert_nothing_left(pids: list[int], pgids: list[int] | None = None) -> None:
    """Every pid is dead (gone, or a zombie) and no live process is in those process groups."""
    pgids = pgids if pgids is not None else pids[:1]
    running = [pid for pid in pids if is_running(pid)]
    in_groups = [pid for pgid in pgids for pid in group_running(pgid)]
    if running or in_groups:
        # Clean up so one failure does not leave processes behind for the rest of the run.
        for pid in set(running + in_groups):
            os.kill(pid, signal.SIGKILL)
    assert running == [], f"processes still running: {running}"
    assert in_groups == [], f"processes left in groups {pgids}: {in_groups}"


def assert_vanished(pids: list[int], timeout: float = 15.0) -> None:
    """``kill(pid, 0)`` raises ProcessLookupError for every pid: not even a zombie is left.

    Orphans are reaped by init, which may take a moment (or, in a container
    whose init never reaps, forever: there a zombie whose parent is init is
    accepted after *timeout*).
    """
    deadline = time.monotonic() + timeout
    for pid in pids:
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            assert not is_running(pid), f"process {pid} is still running"
            if time.monotonic() > deadline:
                assert _parent(pid) in (None, 1), f"zombie {pid} not reaped by its parent"
                break
            time.sleep(0.02)


def _parent(pid: int) -> int | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return int(raw[raw.rfind(b")") + 2 :].split()[1])


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll *predicate* until true; fail the test after *timeout* seconds."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def read_pids(path: Path, at_least: int = 1, timeout: float = 10.0) -> list[int]:
    """The pid list a forking test server wrote, once it holds *at_least* pids."""
    pids: list[int] = []

    def ready() -> bool:
        nonlocal pids
        try:
            pids = json.loads(path.read_text())
        except (OSError, ValueError):
            return False
        return len(pids) >= at_least

    wait_for(ready, timeout, f"{at_least} pids in {path}")
    return pids
