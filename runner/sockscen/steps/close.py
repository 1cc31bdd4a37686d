"""``close``: close the connection (a datagram socket: stop using it)."""

from __future__ import annotations

from ..model import Close
from .interface import StepActor, StepKind


async def run(actor: StepActor, step: Close) -> None:
    """Close; later steps that need the connection fail saying this step closed it."""
    actor.no_deadline()
    actor.need_conn().close()
    actor.closed_by = f"step {step.label} closed it"
    actor.note("closed")
    await actor.checkpoint()


KIND = StepKind("close", run)
