"""``abort``: reset the connection (TCP RST)."""

from __future__ import annotations

from typing import cast

from ..connection import StreamOps
from ..model import Abort
from .interface import StepActor, StepKind


async def run(actor: StepActor, step: Abort) -> None:
    """Reset the stream (the schema keeps this step off datagram actors)."""
    actor.no_deadline()
    cast(StreamOps, actor.need_conn()).abort()
    actor.closed_by = f"step {step.label} aborted it"
    actor.note("abort")
    await actor.checkpoint()


KIND = StepKind("abort", run)
