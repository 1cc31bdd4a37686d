"""``expect_reset``: the peer resets the connection (TCP RST); an orderly close or data fails it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..connection import ResetByPeer
from ..kinds import ActorInfo, StepContext
from ..model import Step
from ..payloads import PathKey
from ..rendering import plural
from .building import step_timeout
from .interface import StepActor, StepKind


@dataclass(frozen=True, slots=True)
class ExpectReset(Step):
    """The peer resets the connection before the timeout (a close or data first is a failure)."""

    timeout: float | None = None


def build(ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo) -> ExpectReset:
    """``expect_reset``, bare or with a ``timeout`` (beside it or inside it, not both)."""
    if isinstance(item, str):
        return ExpectReset(label, ctx.loc(at))
    timeout = step_timeout(ctx, item, at)
    value = item["expect_reset"]
    if isinstance(value, dict) and "timeout" in value:
        if timeout is not None:
            ctx.problem((*at, "timeout"), "expect_reset has two timeouts; keep one", key=True)
        timeout = ctx.duration(value["timeout"], (*at, "expect_reset", "timeout"))
    return ExpectReset(label, ctx.loc(at), timeout)


async def run(actor: StepActor, step: ExpectReset) -> None:
    """Read until the reset; unconsumed or new bytes, or an end of stream, fail the step."""
    actor.need_conn()
    actor.set_timeout(step.timeout)
    buffer = actor.buffer
    while True:
        if buffer:
            raise actor.fail(
                f"expected the peer to reset the connection, "
                f"but {plural(len(buffer), 'more byte')} arrived first",
                expected_text="a reset (TCP RST)",
                received=buffer.peek(),
            )
        if buffer.eof:
            raise actor.fail(
                "expected the peer to reset the connection, but it closed it in an orderly "
                "way (end of stream, TCP FIN)",
                expected_text="a reset (TCP RST)",
            )
        try:
            await actor.fill()
        except ResetByPeer:
            return


def waiting_for(step: ExpectReset) -> str:
    """What a timed-out ``expect_reset`` waited for."""
    return "the peer to reset the connection"


KIND = StepKind("expect_reset", ExpectReset, build, run, waiting_for=waiting_for, stream_only=True)
