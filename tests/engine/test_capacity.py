"""Scenarios at once: ``-j N`` is a hard limit, ``auto`` grows while the CPU has room."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import trio
import trio.testing

from sockscen.engine import RunOptions, capacity, run
from sockscen.engine.capacity import AutoLimiter, CpuRoom
from sockscen.loader import load_text
from sockscen.model import Scenario
from sockscen.results import Outcome, ScenarioResult

WAITING = """\
name: waits {i}
servers:
  s:
    listen: tcp://127.0.0.1:0
    handle:
      - expect: "x"
clients:
  c:
    connect: ${{s.url}}
    steps:
      - sleep: 50ms
      - send: "x"
"""


def waiting_scenarios(count: int, tmp_path: Path) -> list[Scenario]:
    out: list[Scenario] = []
    for i in range(count):
        out.extend(load_text(WAITING.format(i=i), f"w{i}.yaml", str(tmp_path)))
    return out


def most_at_once(scenarios: list[Scenario], options: RunOptions) -> tuple[int, list[Outcome]]:
    """The largest number of scenarios that were running at the same time, and the outcomes."""
    running = 0
    most = 0

    def started(_: Scenario) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)

    def finished(_: ScenarioResult) -> None:
        nonlocal running
        running -= 1

    result = run(scenarios, options, on_start=started, on_result=finished, handle_signals=False)
    return most, [s.outcome for s in result.scenarios]


def test_jobs_n_is_a_hard_limit(tmp_path: Path) -> None:
    most, outcomes = most_at_once(waiting_scenarios(12, tmp_path), RunOptions(jobs=3))
    assert most == 3
    assert outcomes == [Outcome.PASSED] * 12


def test_auto_is_the_default_and_runs_every_scenario(tmp_path: Path) -> None:
    assert RunOptions().jobs is None
    assert RunOptions().as_dict()["jobs"] == "auto"
    most, outcomes = most_at_once(waiting_scenarios(12, tmp_path), RunOptions())
    # At least the floor (default_jobs(), 4 or more) start at once, whatever the CPU says.
    assert most >= 4
    assert outcomes == [Outcome.PASSED] * 12


async def admitted(limiter: AutoLimiter, wanted: int, within: float = 2.0) -> int:
    """How many of *wanted* acquisitions succeed without any release, *within* seconds."""
    got = 0
    with trio.move_on_after(within):
        for token in range(wanted):
            await limiter.acquire_on_behalf_of(token)
            got += 1
    return got


def run_fast(*args: object) -> int:
    """``trio.run`` on a clock that jumps ahead whenever every task waits: looks cost no time."""
    return trio.run(*args, clock=trio.testing.MockClock(autojump_threshold=0))  # type: ignore[arg-type]


def test_auto_grows_past_the_floor_while_there_is_room_up_to_its_cap() -> None:
    limiter = AutoLimiter(4, cap=30, room=lambda: True)
    assert run_fast(admitted, limiter, 100) == 30


def test_auto_doubles_per_look_not_all_at_once() -> None:
    """A look that finds room raised the limit without bound once (4 to the cap at once)."""
    limiter = AutoLimiter(8, cap=1000, room=lambda: True)
    # Three looks, a TICK apart: 8 -> 16 -> 32 -> 64.
    assert run_fast(admitted, limiter, 1000, 2.5 * capacity.TICK) == 64


def test_auto_holds_its_limit_while_programs_are_runnable() -> None:
    """Neither busy nor idle (programs starting, their CPU not counted yet): no change."""
    limiter = AutoLimiter(8, cap=1000, room=lambda: None)
    assert run_fast(admitted, limiter, 1000, 20 * capacity.TICK) == 8


def test_auto_keeps_to_the_floor_while_the_cpu_is_busy() -> None:
    limiter = AutoLimiter(4, cap=30, room=lambda: False)
    assert run_fast(admitted, limiter, 100) == 4


def test_auto_comes_down_while_busy_and_replaces_a_finished_scenario_at_once() -> None:
    room = [True]
    limiter = AutoLimiter(4, cap=30, room=lambda: room[0])

    async def main() -> list[int]:
        levels = [await admitted(limiter, 100, 20 * capacity.TICK)]
        async with trio.open_nursery() as nursery:
            room[0] = False
            # One finishes: its place is taken with no look at the CPU (no time passes).
            limiter.release_on_behalf_of(0)
            await limiter.acquire_on_behalf_of("replacement")
            levels.append(limiter.running)
            # Busy: the limit comes down as scenarios wait, never below the floor.
            nursery.start_soon(limiter.acquire_on_behalf_of, "waiting")
            await trio.sleep(20 * capacity.TICK)
            levels.append(limiter.limit)
            nursery.cancel_scope.cancel()
        return levels

    assert run_fast(main) == [30, 30, 4]


def test_auto_starts_a_waiting_scenario_when_one_finishes() -> None:
    limiter = AutoLimiter(2, cap=30, room=lambda: False)

    async def main() -> list[str]:
        events: list[str] = []
        await limiter.acquire_on_behalf_of(0)
        await limiter.acquire_on_behalf_of(1)

        async def third() -> None:
            await limiter.acquire_on_behalf_of(2)
            events.append("third started")

        async with trio.open_nursery() as nursery:
            nursery.start_soon(third)
            await trio.testing.wait_all_tasks_blocked()
            events.append("one finished")
            limiter.release_on_behalf_of(0)
        return events

    assert trio.run(main) == ["one finished", "third started"]


class _Clock:
    """Wall and CPU time that a test moves by hand (a real busy loop is at the
    mercy of the scheduler: descheduled, it looks idle)."""

    def __init__(self) -> None:
        self.wall = 100.0
        self.cpu = 10.0

    def monotonic(self) -> float:
        return self.wall

    def process_time(self) -> float:
        return self.cpu


def test_cpu_room_sees_a_busy_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock()
    monkeypatch.setattr(capacity, "time", clock)
    monkeypatch.setattr(capacity, "run_sample", lambda: (clock.cpu, 0))
    room = CpuRoom()
    # 50 ms of wall time, all of it this process's CPU: the loop is busy, so no room.
    clock.wall += 0.05
    clock.cpu += 0.05
    assert room.has_room() is False
    # Then 50 ms with hardly any CPU: room again.
    clock.wall += 0.05
    clock.cpu += 0.001
    assert room.has_room() is True


def test_cpu_room_sees_busy_programs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The programs the run started count, not just the runner's own loop."""
    clock = _Clock()
    programs = [0.0]
    monkeypatch.setattr(capacity, "time", clock)
    monkeypatch.setattr(capacity, "run_sample", lambda: (clock.cpu + programs[0], 0))
    monkeypatch.setattr(capacity, "usable_cores", lambda: 2)
    room = CpuRoom()
    # 100 ms in which the programs used 190 ms of CPU on 2 cores: busy.
    clock.wall += 0.1
    programs[0] += 0.19
    assert room.has_room() is False
    # 100 ms at 90% of the cores is a saturated run's tick-counting noise: still busy.
    clock.wall += 0.1
    programs[0] += 0.18
    assert room.has_room() is False
    # Then 100 ms in which they used 100 ms: half the cores, room.
    clock.wall += 0.1
    programs[0] += 0.1
    assert room.has_room() is True


def test_cpu_room_sees_programs_runnable_before_their_cpu_adds_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Programs starting or computing count at once (no growth): CPU time shows them later."""
    clock = _Clock()
    runnable = [2]
    monkeypatch.setattr(capacity, "time", clock)
    monkeypatch.setattr(capacity, "run_sample", lambda: (clock.cpu, runnable[0]))
    monkeypatch.setattr(capacity, "usable_cores", lambda: 2)
    room = CpuRoom()
    # Hardly any CPU counted yet, but as many programs runnable as cores: hold.
    clock.wall += 0.05
    assert room.has_room() is None
    runnable[0] = 1
    clock.wall += 0.05
    assert room.has_room() is True


BUSY_CHILD = """
import time
started = time.process_time()
while time.process_time() - started < 0.3:
    pass
print("done", flush=True)
input()
"""


def test_the_run_cpu_counts_a_running_program() -> None:
    """A program's CPU counts while it runs, not only once it is reaped."""
    before = capacity.run_cpu_seconds()
    child = subprocess.Popen(
        [sys.executable, "-c", BUSY_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == b"done\n"
        assert capacity.run_cpu_seconds() - before >= 0.25
    finally:
        child.kill()
        child.communicate(timeout=10)


def test_a_computing_program_is_runnable() -> None:
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        deadline = time.monotonic() + 10
        while capacity.run_sample()[1] < 1:
            assert time.monotonic() < deadline, "the busy program never showed as runnable"
            time.sleep(0.01)
    finally:
        child.kill()
        child.wait(10)


GRANDCHILD = """
import subprocess, sys
subprocess.run([sys.executable, "-c", sys.argv[1]])
"""


def test_the_run_cpu_counts_a_running_grandchild() -> None:
    """A ``shell: true`` command or a forking server: the work runs a level further down."""
    before = capacity.run_cpu_seconds()
    child = subprocess.Popen(
        [sys.executable, "-c", GRANDCHILD, BUSY_CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == b"done\n"
        assert capacity.run_cpu_seconds() - before >= 0.25
    finally:
        # Closing stdin ends the grandchild (EOF), which its parent reaps, then the child:
        # a killed grandchild would become a zombie child of this process when an
        # earlier test made it a subreaper (`sockscen run` in-process does).
        try:
            child.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)  # its own session: the grandchild too
            child.communicate(timeout=10)


def test_usable_cores_follow_the_affinity_mask() -> None:
    assert capacity.usable_cores() <= len(os.sched_getaffinity(0))
