"""Standing servers: one scenario's servers kept up until told to stop.

What ``sockscen serve`` and the pytest fixture ``sockscen_servers`` share:
the scenario runs as usual (servers up, clients if it has any), without its
time limit, and beside its clients a *hold* keeps it alive until ``stopped``
returns.  Then the servers finish and every ``expect_count``,
``connections`` and ``expect_unmatched`` is checked, as at the end of a run.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import trio

from ..model import ProcessServer, Scenario
from ..results import Failure, ScenarioResult
from .context import Standing
from .options import DEFAULT_OPTIONS, MAX_CONNECTS_IN_FLIGHT, RunOptions
from .rule_server import RuleServerRun
from .scenario import ScenarioRun, complete

#: How often the live line is refreshed, in seconds.
TICK = 0.5

#: ``{"NAME": {"url", "host", "port", "path"}}``, one more level for a ``listen`` mapping.
Addresses = dict[str, dict[str, Any]]


def addresses(run: ScenarioRun) -> Addresses:
    """Where each server of *run* listens (ports are numbers; ``path`` null for TCP/UDP)."""
    values = run.context.state.values
    out: Addresses = {}

    def one(*prefix: str) -> dict[str, Any]:
        port = values.get((*prefix, "port")) or None
        return {
            "url": values.get((*prefix, "url")),
            "host": values.get((*prefix, "host")) or None,
            "port": int(port) if port else None,
            "path": values.get((*prefix, "path")) or None,
        }

    for spec in run.scenario.servers:
        listens = spec.listen if isinstance(spec, ProcessServer) else (spec.listen,)
        keys = [a.key for a in listens]
        if keys == [None]:
            out[spec.name] = one(spec.name)
        elif keys:
            out[spec.name] = {str(k): one(spec.name, str(k)) for k in keys}
    return out


def counts(run: ScenarioRun) -> tuple[int, int]:
    """(requests served, requests no rule matched) by the rule servers of *run* so far."""
    rule_servers = [s for s in run.servers if isinstance(s, RuleServerRun)]
    return sum(s.served for s in rule_servers), sum(s.unmatched for s in rule_servers)


async def serve_scenario(
    scenario: Scenario,
    stopped: Callable[[], Awaitable[None]],
    *,
    options: RunOptions = DEFAULT_OPTIONS,
    ready: Callable[[ScenarioRun], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    failed: Callable[[Failure], None] | None = None,
) -> ScenarioResult:
    """Run *scenario* with its servers up until ``stopped()`` returns; its result.

    ``stopped()`` is awaited from the start: when it returns while the servers
    are still starting (Ctrl-C during a slow ``ready``), the start is cut
    short, everything started is torn down and the result is the
    interrupted one (SKIPPED).  *ready* is called once every server is up;
    *progress* with the counts of ``counts`` every ``TICK`` seconds while
    serving.

    A connection whose handler fails (a peer that resets mid-request, a
    request no rule matches) does not stop the servers: *failed* is called
    with its failure, which is kept for the result (the first
    ``KEEP_CONNECTION_FAILURES``, the rest counted), and serving goes on.
    Anything else that fails (a program server that dies, a client of the
    scenario) ends it, as in a run.
    """
    run = ScenarioRun(scenario, options, trio.CapacityLimiter(MAX_CONNECTS_IN_FLIGHT))
    run.timeout = math.inf
    standing = run.context.standing = Standing()
    if failed is not None:
        standing.seen = failed
    stop = trio.Event()
    serving = False

    async def hold(run: ScenarioRun) -> None:
        nonlocal serving
        serving = True
        if ready is not None:
            ready(run)
        async with trio.open_nursery() as nursery:
            if progress is not None:
                nursery.start_soon(_tick, run, progress)
            await stop.wait()
            nursery.cancel_scope.cancel()
        if standing.dropped:
            run.context.failures.append(_dropped(run.scenario, standing))

    run.hold = hold
    async with trio.open_nursery() as watching:
        starting = trio.CancelScope()

        async def watch() -> None:
            await stopped()
            stop.set()
            if not serving:
                starting.cancel()

        watching.start_soon(watch)
        result: ScenarioResult | None = None
        with starting:
            result = await complete(run)
        watching.cancel_scope.cancel()
    if result is None:  # stopped before the servers were up: torn down by ``complete``
        return run.result(interrupted=True)
    return result


def _dropped(scenario: Scenario, standing: Standing) -> Failure:
    return Failure(
        actor="servers",
        role="scenario",
        message=(
            f"{standing.dropped} more connections failed; only the first "
            f"{standing.kept} are kept for this report"
        ),
        location=scenario.location,
    )


async def _tick(run: ScenarioRun, progress: Callable[[int, int], None]) -> None:
    while True:
        progress(*counts(run))
        await trio.sleep(TICK)
