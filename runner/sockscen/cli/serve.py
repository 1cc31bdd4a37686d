"""``sockscen serve FILE [-k NAME]``: keep one scenario's servers up for other programs.

Until Ctrl-C, SIGTERM or ``--duration``; then the counts are checked and
the report is the one of ``run`` (exit 0 when everything held, 1 if not).
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, TextIO

from ..durations import parse_duration
from ..options import build_run_options, cli_values
from . import common
from .common import UsageError
from .exits import EXIT_USAGE, run_exit_code
from .run import _report_targets, _write_reports, console_reporter

if TYPE_CHECKING:
    from ..engine.scenario import ScenarioRun
    from ..model import Scenario
    from ..results import Failure, ScenarioResult

#: Hosts that listen on every interface: reachable from other machines, always said.
_ANY_HOST = {"0.0.0.0", "::", "[::]"}


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the chosen scenario's servers, then check and report like ``run``."""
    import trio

    from ..api import raise_open_file_limit
    from ..engine.standing import addresses, serve_scenario
    from ..results import Outcome, RunResult

    scenario = _chosen(args)
    duration = _duration(args.duration)
    targets = _report_targets(args)
    json_target = (
        common.prepare_output("--addresses-json", args.addresses_json, folder=False)
        if args.addresses_json
        else None
    )
    verbosity = common.verbosity(args)
    reporter = console_reporter(args, verbosity, progress=False)
    live = _LiveLine(sys.stderr)

    stopping = _Stopping(duration)
    unwritable: list[str] = []

    def ready(run: ScenarioRun) -> None:
        found = addresses(run)
        for line in _address_lines(found):
            print(line, flush=True)
        if json_target is not None:
            try:
                json_target.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
            except OSError as exc:
                # Whoever waits for that file would wait for ever: stop serving at once.
                unwritable.append(
                    f"sockscen: error: --addresses-json {args.addresses_json}: could not "
                    f"write it: {exc.strerror or exc}; the servers were stopped"
                )
                stopping.now.set()
                return
        print(_until_text(duration), flush=True)
        stopping.serving.set()

    # As ``run`` does: each connection costs a descriptor, and the common soft
    # limit of 1024 would end serving at the thousandth concurrent client.
    raise_open_file_limit()

    async def main() -> ScenarioResult:
        return await stopping.watching(
            serve_scenario(
                scenario,
                stopping.stopped,
                options=build_run_options(cli_values(args)),
                ready=ready,
                progress=live.show if live.enabled else None,
                failed=live.failed,
            )
        )

    started = time.time()
    result = trio.run(main)
    live.end()
    if unwritable:
        print(unwritable[0], file=sys.stderr)
        return EXIT_USAGE
    run = RunResult([result], started, time.time() - started)
    run.options["paths"] = list(args.paths)
    if stopping.received and result.outcome is Outcome.SKIPPED:
        # Stopped before serving began: exit as an interrupted run does (130, 143).
        run.interrupted = True
        run.options["signal"] = signal.Signals(stopping.received[0]).name
    reporter.scenario_finished(result)
    reporter.run_finished(run)
    sys.stdout.flush()
    if _write_reports(run, targets):
        return EXIT_USAGE
    return run_exit_code(run)


def _chosen(args: argparse.Namespace) -> Scenario:
    if len(args.paths) != 1:
        raise UsageError("serve takes one scenario file: sockscen serve FILE [-k NAME]")
    file_count, scenarios = common.load(args.paths, cache=common.load_cache(args))
    selected = common.select(args, scenarios, file_count)
    if len(selected) > 1:
        names = ", ".join(s.name for s in selected)
        raise UsageError(
            f"{args.paths[0]} holds several scenarios ({names}): choose one with -k NAME"
        )
    return selected[0]


def _duration(text: str | None) -> float:
    if text is None:
        return math.inf
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"--duration {text}: {exc}") from None


def _address_lines(found: dict[str, dict[str, object]]) -> list[str]:
    lines = []
    for name, where in found.items():
        places = {None: where} if "url" in where else {k: v for k, v in where.items()}
        for key, place in places.items():
            assert isinstance(place, dict)
            label = name if key is None else f"{name}.{key}"
            lines.append(f"{label}  {place['url']}")
            if place.get("host") in _ANY_HOST:
                lines.append(
                    f"  note: {label} listens on every interface ({place['host']}): "
                    "other machines can reach it"
                )
    return lines


def _until_text(duration: float) -> str:
    if math.isinf(duration):
        return "serving until Ctrl-C or SIGTERM"
    return f"serving for {duration:g}s (Ctrl-C or SIGTERM stops earlier)"


class _Stopping:
    """When serving ends: the first Ctrl-C, SIGTERM or SIGHUP, ``now``, or the duration.

    Signals are watched from the first moment of the trio run to its last: a
    Ctrl-C while a server is still starting stops the start cleanly, and a
    second one during teardown kills what is left instead of the runner.
    SIGHUP too: closing the terminal that runs ``serve`` is a way to stop it,
    and its default action would leave socket files behind.
    """

    def __init__(self, duration: float) -> None:
        import trio

        self.duration = duration
        #: Set once every server is ready: ``--duration`` counts from then.
        self.serving = trio.Event()
        #: Set by the first signal, or when serving cannot go on.
        self.now = trio.Event()
        self.received: list[int] = []

    async def stopped(self) -> None:
        """Return when serving should end."""
        import trio

        async with trio.open_nursery() as timing:

            async def serve_for() -> None:
                await self.serving.wait()
                await trio.sleep(self.duration)
                timing.cancel_scope.cancel()

            timing.start_soon(serve_for)
            await self.now.wait()
            timing.cancel_scope.cancel()

    async def watching(self, serving: Awaitable[ScenarioResult]) -> ScenarioResult:
        """*serving*'s result, the signals watched meanwhile (a first one ends serving)."""
        import trio

        from ..engine.runner import watch_signals

        async with trio.open_nursery() as nursery:
            await nursery.start(watch_signals, self.now.set, self.received)
            try:
                return await serving
            finally:
                nursery.cancel_scope.cancel()


class _LiveLine:
    """``N requests served, M unmatched``, rewritten in place on a terminal."""

    #: Failed connections said as they happen: a peer failing in a loop must not flood
    #: the terminal (the final report keeps the first ones and counts the rest).
    FAILURES_SHOWN = 10

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.shown = False
        self.failures = 0

    def show(self, served: int, unmatched: int) -> None:
        self.stream.write(f"\r{served} requests served, {unmatched} unmatched")
        self.stream.flush()
        self.shown = True

    def failed(self, failure: Failure) -> None:
        """Say at once that a connection failed (the details come in the final report)."""
        self.failures += 1
        if self.failures > self.FAILURES_SHOWN:
            return
        where = f" ({failure.location})" if failure.location is not None else ""
        if self.shown:
            self.stream.write("\n")
            self.shown = False
        self.stream.write(f"{failure.actor} failed{where}: {failure.message}; still serving\n")
        if self.failures == self.FAILURES_SHOWN:
            self.stream.write(
                "(further failed connections are not shown here: the final report has them)\n"
            )
        self.stream.flush()

    def end(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
