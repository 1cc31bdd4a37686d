"""``expect_eof``: the peer closes its sending side (data arriving first is a failure)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Step
from .ending import ending_kind, wait_for_end
from .interface import StepActor


@dataclass(frozen=True, slots=True)
class ExpectEof(Step):
    """The peer closes its sending side before the timeout (data arriving first is a failure)."""

    timeout: float | None = None


async def run(actor: StepActor, step: ExpectEof) -> None:
    """Read until end of stream; any unconsumed or newly arrived byte fails the step."""
    await wait_for_end(
        actor, step.timeout, "close the connection", arrived="arrived", reset_ends=False
    )


KIND = ending_kind("expect_eof", ExpectEof, run, "the peer to close the connection")
