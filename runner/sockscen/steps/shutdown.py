"""``shutdown``: half-close (send end of stream, keep reading)."""

from __future__ import annotations

from typing import cast

from ..connection import StreamOps
from ..model import Shutdown
from .interface import StepActor, StepKind


async def run(actor: StepActor, step: Shutdown) -> None:
    """Half-close the stream (the schema keeps this step off datagram actors)."""
    conn = actor.need_conn()
    actor.set_timeout(None)
    await cast(StreamOps, conn).shutdown()
    actor.note("shutdown")


KIND = StepKind("shutdown", run)
