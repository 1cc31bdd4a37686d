"""``notify``: set a scenario-wide event."""

from __future__ import annotations

from ..model import Notify
from .interface import StepActor, StepKind


async def run(actor: StepActor, step: Notify) -> None:
    """Set the event; the previous step's deadline must not apply here."""
    actor.no_deadline()
    actor.set_event(step.event)
    actor.note("notify", note=step.event)
    await actor.checkpoint()


def describe(step: Notify) -> str:
    """``notify ready``."""
    return f"notify {step.event}"


KIND = StepKind("notify", run, describe)
