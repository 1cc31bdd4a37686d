"""``close``: close the connection (a datagram socket: stop using it)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Step
from .building import bare
from .interface import StepActor, StepKind


@dataclass(frozen=True, slots=True)
class Close(Step):
    """Close the connection (a datagram socket: stop using it)."""


async def run(actor: StepActor, step: Close) -> None:
    """Close; later steps that need the connection fail saying this step closed it."""
    actor.no_deadline()
    actor.need_conn().close()
    actor.closed_by = f"step {step.label} closed it"
    actor.note("closed")
    await actor.checkpoint()


KIND = StepKind("close", Close, bare(Close), run)
