"""Many scenarios at once under a capacity limit, and the signals that stop a run."""

from __future__ import annotations

import dataclasses
import signal
import sys
import time
from collections.abc import Callable, Sequence

import trio

from ..model import Scenario
from ..payloads import FILES
from ..results import Outcome, RunResult, ScenarioResult
from ..rundirs import clear_stale_dirs
from ..state import TranscriptBudget
from .bindings import tmp_base
from .capacity import AutoLimiter
from .collector import tuned_collector
from .options import (
    DEFAULT_OPTIONS,
    MAX_CONNECTS_IN_FLIGHT,
    RunOptions,
    default_jobs,
    random_seed,
)
from .scenario import ScenarioRun
from .verdict import not_run

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup


async def run_async(
    scenarios: Sequence[Scenario],
    options: RunOptions = DEFAULT_OPTIONS,
    *,
    on_start: Callable[[Scenario], None] | None = None,
    on_result: Callable[[ScenarioResult], None] | None = None,
    sink: list[RunResult] | None = None,
) -> RunResult:
    """Run *scenarios* concurrently, at most ``options.jobs`` at once (``auto``: see capacity).

    Results come back in input order; *on_result* is called as each finishes.
    When cancelled from outside, running scenarios clean up and are reported
    SKIPPED ("interrupted"), the others SKIPPED too, and the partial
    ``RunResult`` is appended to *sink* before the cancellation propagates.
    """
    if options.seed is None:
        # One seed for the whole run, so reports can name the one that replays it.
        options = dataclasses.replace(options, seed=random_seed())
    started_at = time.time()
    clock0 = trio.current_time()
    _clear_stale_dirs_once()
    limiter: trio.CapacityLimiter | AutoLimiter = (
        trio.CapacityLimiter(options.jobs) if options.jobs else AutoLimiter(default_jobs())
    )
    connect_limiter = trio.CapacityLimiter(MAX_CONNECTS_IN_FLIGHT)
    transcripts = TranscriptBudget()
    results: list[ScenarioResult | None] = [None] * len(scenarios)
    stop_starting = False
    failures = 0

    async def one(index: int, scenario: Scenario) -> None:
        nonlocal stop_starting, failures
        try:
            if on_start is not None:
                on_start(scenario)
            run = ScenarioRun(scenario, options, connect_limiter, transcripts)
            try:
                await run.execute()
            except Exception as exc:
                # A bug in sockscen: this scenario is an error, the run and its reports go on.
                run.internal_error(exc)
            finally:
                with trio.CancelScope(shield=True):
                    await run.teardown()
                result = run.result(interrupted=not run.completed)
                results[index] = result
                if on_result is not None and run.completed:
                    on_result(result)
            if result.outcome in (Outcome.FAILED, Outcome.ERROR):
                failures += 1
                if options.stop_after and failures >= options.stop_after:
                    stop_starting = True
        finally:
            limiter.release_on_behalf_of(index)

    cancelled = True
    try:
        async with trio.open_nursery() as nursery:
            for index, scenario in enumerate(scenarios):
                # Acquired here, not in the task, so scenarios start in input
                # order (trio schedules new tasks in no particular order).
                await limiter.acquire_on_behalf_of(index)
                if stop_starting:
                    limiter.release_on_behalf_of(index)
                    break
                nursery.start_soon(one, index, scenario)
        cancelled = False
    finally:
        # Payload files are read once per run, and not kept after it.
        FILES.clear()
        # Runs on cancellation too, so an interrupted run can still be reported.
        final = [
            r if r is not None else not_run(s) for r, s in zip(results, scenarios, strict=True)
        ]
        run_result = RunResult(
            final, started_at, trio.current_time() - clock0, cancelled, options.as_dict()
        )
        if sink is not None:
            sink.append(run_result)
    return run_result


_SWEPT: list[str] = []


def _clear_stale_dirs_once() -> None:
    """Remove private directories (and socket files) of SIGKILLed runners, once per process.

    Once, not per scenario: the pytest plugin runs each scenario as its own run,
    and listing a busy /tmp per test would cost more than the sweep is worth.
    """
    base = tmp_base()
    if base not in _SWEPT:
        _SWEPT.append(base)
        clear_stale_dirs(base)


def run(
    scenarios: Sequence[Scenario],
    options: RunOptions = DEFAULT_OPTIONS,
    *,
    on_start: Callable[[Scenario], None] | None = None,
    on_result: Callable[[ScenarioResult], None] | None = None,
    handle_signals: bool = True,
) -> RunResult:
    """Run *scenarios* in a fresh trio run and return the ``RunResult``.

    With *handle_signals*, SIGINT and SIGTERM cancel the run: every scenario
    cleans up (processes stopped, sockets closed, temp dirs removed) and the
    partial result comes back with ``interrupted=True`` and
    ``options["signal"]`` naming the signal.  Without it, ``KeyboardInterrupt``
    propagates after the same cleanup (what pytest wants).
    """
    received: list[int] = []
    sink: list[RunResult] = []

    async def main() -> None:
        if not handle_signals:
            # No watcher, so no nursery around the run: the pytest plugin makes one run per item.
            await run_async(scenarios, options, on_start=on_start, on_result=on_result, sink=sink)
            return
        async with trio.open_nursery() as nursery:
            # The watcher lives outside the scope it cancels: it keeps its signal
            # handlers during cleanup, so a second Ctrl-C cannot kill us mid-teardown.
            run_scope = trio.CancelScope()
            from ..processes import hurry_stops

            def stop_quickly() -> None:
                run_scope.cancel()
                # An orderly stop, but a quick one: nobody waits out a long stop.timeout.
                hurry_stops()

            hurry_stops(False)
            await nursery.start(watch_signals, stop_quickly, received)
            try:
                with run_scope:
                    await run_async(
                        scenarios, options, on_start=on_start, on_result=on_result, sink=sink
                    )
            finally:
                nursery.cancel_scope.cancel()

    try:
        with tuned_collector():
            trio.run(main)
    except BaseExceptionGroup as group:
        # Ctrl-C without our handler (under pytest) reaches us wrapped by a nursery:
        # hand it on as the plain KeyboardInterrupt callers know how to handle.
        if group.subgroup(KeyboardInterrupt) is not None:
            raise KeyboardInterrupt from None
        raise
    result = sink[0]
    if received:
        result.interrupted = True
        result.options["signal"] = signal.Signals(received[0]).name
    return result


async def watch_signals(
    on_first: Callable[[], None],
    received: list[int],
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """The first SIGINT/SIGTERM/SIGHUP calls *on_first* (an orderly stop); a second one
    kills every process we started at once, and the orderly cleanup carries on.

    Each signal is appended to *received*.  Run it outside what *on_first*
    stops: it keeps its handlers during cleanup, so a second Ctrl-C cannot
    kill the runner mid-teardown.
    """
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM, signal.SIGHUP) as signals:
        task_status.started()
        async for signum in signals:
            received.append(signum)
            if len(received) == 1:
                on_first()
            else:
                from ..processes import kill_remaining

                kill_remaining()
