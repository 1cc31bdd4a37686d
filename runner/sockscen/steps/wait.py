"""``wait``: wait until another actor notified an event."""

from __future__ import annotations

from ..model import Wait
from .interface import StepActor, StepKind


async def run(actor: StepActor, step: Wait) -> None:
    """Wait for the event within the step's timeout."""
    actor.set_timeout(step.timeout)
    await actor.wait_event(step.event)
    actor.note("wait", note=step.event)


def describe(step: Wait) -> str:
    """``wait ready``."""
    return f"wait {step.event}"


def waiting_for(step: Wait) -> str:
    """A timed-out wait asks whether anyone notifies the event."""
    return f"event '{step.event}' (did an actor notify it?)"


KIND = StepKind("wait", run, describe, waiting_for)
