"""``shutdown``: half-close (send end of stream, keep reading)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from ..connection import StreamOps
from ..model import Step
from .building import bare
from .interface import StepActor, StepKind


@dataclass(frozen=True, slots=True)
class Shutdown(Step):
    """Half-close: send EOF, keep reading."""


async def run(actor: StepActor, step: Shutdown) -> None:
    """Half-close the stream (the schema keeps this step off datagram actors)."""
    conn = actor.need_conn()
    actor.set_timeout(None)
    await cast(StreamOps, conn).shutdown()
    actor.note("shutdown")


KIND = StepKind("shutdown", Shutdown, bare(Shutdown), run, stream_only=True)
