"""``expect_eof``: the peer closes its sending side (data arriving first is a failure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..kinds import ActorInfo, StepContext
from ..model import Step
from ..payloads import PathKey
from ..rendering import plural
from .building import step_timeout
from .interface import StepActor, StepKind


@dataclass(frozen=True, slots=True)
class ExpectEof(Step):
    """The peer closes its sending side before the timeout (data arriving first is a failure)."""

    timeout: float | None = None


def build(ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo) -> ExpectEof:
    """``expect_eof``, bare or with a ``timeout`` (beside it or inside it, not both)."""
    if isinstance(item, str):
        return ExpectEof(label, ctx.loc(at))
    timeout = step_timeout(ctx, item, at)
    value = item["expect_eof"]
    if isinstance(value, dict) and "timeout" in value:
        if timeout is not None:
            ctx.problem((*at, "timeout"), "expect_eof has two timeouts; keep one", key=True)
        timeout = ctx.duration(value["timeout"], (*at, "expect_eof", "timeout"))
    return ExpectEof(label, ctx.loc(at), timeout)


async def run(actor: StepActor, step: ExpectEof) -> None:
    """Read until end of stream; any unconsumed or newly arrived byte fails the step."""
    actor.need_conn()
    actor.set_timeout(step.timeout)
    buffer = actor.buffer
    while True:
        if buffer:
            raise actor.fail(
                f"expected the peer to close the connection, "
                f"but {plural(len(buffer), 'more byte')} arrived",
                expected_text="end of stream",
                received=buffer.peek(),
            )
        if buffer.eof:
            return
        await actor.fill()


def waiting_for(step: ExpectEof) -> str:
    """What a timed-out ``expect_eof`` waited for."""
    return "the peer to close the connection"


KIND = StepKind("expect_eof", ExpectEof, build, run, waiting_for=waiting_for, stream_only=True)
