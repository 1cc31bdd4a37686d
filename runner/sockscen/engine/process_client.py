"""Process clients: a program under test run as a client, its exit and output checked."""

from __future__ import annotations

from ..errors import SetupError
from ..model import ProcessClient
from .context import ScenarioContext


async def run_process_client(
    context: ScenarioContext, spec: ProcessClient, copy: int | None
) -> None:
    """Run one copy of a process client; a program that cannot start ends the scenario as ERROR."""
    from .. import processes

    process_context = processes.ProcessContext(
        lookup=context.state.lookup_for({}),
        directory=context.scenario.directory,
        started=context.clock0,
    )
    if spec.wait is not None:
        # Bounded by the scenario's timeout, which then names what was still waiting.
        await context.state.event(spec.wait).wait()
    try:
        result = await processes.run_client(
            spec, copy, process_context, context.interrupted_clients
        )
    except SetupError as exc:
        context.setup_error = exc
        if context.cancel_scope is not None:
            context.cancel_scope.cancel()
        return
    context.actor_results.append(result)
    if result.failure is not None:
        context.record_failure(result.failure)
    elif spec.notify is not None:
        done = context.passed_copies[spec.name] = context.passed_copies.get(spec.name, 0) + 1
        if done == spec.count:
            context.state.event(spec.notify).set()
