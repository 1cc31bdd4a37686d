"""``expect_reset``: the peer resets the connection (TCP RST); an orderly close or data fails it."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Step
from .ending import ending_kind, wait_for_end
from .interface import StepActor


@dataclass(frozen=True, slots=True)
class ExpectReset(Step):
    """The peer resets the connection before the timeout (a close or data first is a failure)."""

    timeout: float | None = None


async def run(actor: StepActor, step: ExpectReset) -> None:
    """Read until the reset; unconsumed or new bytes, or an end of stream, fail the step."""
    ended = await wait_for_end(
        actor, step.timeout, "reset the connection", arrived="arrived first", reset_ends=True
    )
    if ended:
        raise actor.fail(
            "expected the peer to reset the connection, but it closed it in an orderly "
            "way (end of stream, TCP FIN)",
            expected_text="a reset (TCP RST)",
        )


KIND = ending_kind("expect_reset", ExpectReset, run, "the peer to reset the connection")
