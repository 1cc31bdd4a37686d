"""``sleep``: wait ``duration`` seconds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..kinds import ActorInfo, StepContext
from ..model import Step
from ..payloads import PathKey
from .interface import StepActor, StepKind


@dataclass(frozen=True, slots=True)
class Sleep(Step):
    """Wait ``duration`` seconds."""

    duration: float


def build(ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo) -> Sleep:
    """``sleep: DURATION``."""
    return Sleep(label, ctx.loc(at), ctx.duration(item["sleep"], (*at, "sleep")))


async def run(actor: StepActor, step: Sleep) -> None:
    """Sleep, with no deadline: the duration bounds it."""
    actor.no_deadline()
    await actor.sleep(step.duration)


def describe(step: Sleep) -> str:
    """``sleep 0.1s``."""
    return f"sleep {step.duration:g}s"


KIND = StepKind("sleep", Sleep, build, run, describe, needs_connection=False)
