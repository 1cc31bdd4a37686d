"""``notify``: set a scenario-wide event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..kinds import ActorInfo, StepContext
from ..model import Step
from ..payloads import PathKey
from .interface import StepActor, StepKind


@dataclass(frozen=True, slots=True)
class Notify(Step):
    """Set the scenario-wide event ``event``."""

    event: str


def build(ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo) -> Notify:
    """``notify: EVENT``."""
    ctx.notify(item["notify"])
    return Notify(label, ctx.loc(at), item["notify"])


async def run(actor: StepActor, step: Notify) -> None:
    """Set the event; the previous step's deadline must not apply here."""
    actor.no_deadline()
    actor.set_event(step.event)
    actor.note("notify", note=step.event)
    await actor.checkpoint()


def describe(step: Notify) -> str:
    """``notify ready``."""
    return f"notify {step.event}"


KIND = StepKind("notify", Notify, build, run, describe, needs_connection=False)
