"""``abort``: reset the connection (TCP RST)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from ..connection import StreamOps
from ..model import Step
from .building import bare
from .interface import StepActor, StepKind


@dataclass(frozen=True, slots=True)
class Abort(Step):
    """Reset the connection (TCP RST via SO_LINGER 0)."""


async def run(actor: StepActor, step: Abort) -> None:
    """Reset the stream (the schema keeps this step off datagram actors)."""
    actor.no_deadline()
    cast(StreamOps, actor.need_conn()).abort()
    actor.closed_by = f"step {step.label} aborted it"
    actor.note("abort")
    await actor.checkpoint()


KIND = StepKind("abort", Abort, bare(Abort), run, stream_only=True)
