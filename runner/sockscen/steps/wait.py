"""``wait``: wait until another actor notified an event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..kinds import ActorInfo, StepContext
from ..model import Step
from ..payloads import PathKey
from .building import step_timeout
from .interface import StepActor, StepKind


@dataclass(frozen=True, slots=True)
class Wait(Step):
    """Wait until another actor notified ``event`` (at once if one already has).

    ``timeout`` None means the run's default step timeout.
    """

    event: str
    timeout: float | None = None


def build(ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo) -> Wait:
    """``wait: EVENT`` with optional ``timeout``; some actor must notify EVENT."""
    timeout = step_timeout(ctx, item, at)
    ctx.wait(item["wait"], (*at, "wait"))
    return Wait(label, ctx.loc(at), item["wait"], timeout)


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


KIND = StepKind("wait", Wait, build, run, describe, waiting_for, needs_connection=False)
