"""``sleep``: wait ``duration`` seconds."""

from __future__ import annotations

from ..model import Sleep
from .interface import StepActor, StepKind


async def run(actor: StepActor, step: Sleep) -> None:
    """Sleep, with no deadline: the duration bounds it."""
    actor.no_deadline()
    await actor.sleep(step.duration)


def describe(step: Sleep) -> str:
    """``sleep 0.1s``."""
    return f"sleep {step.duration:g}s"


KIND = StepKind("sleep", run, describe)
