"""``expect_silence``: nothing at all arrives for ``duration`` seconds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..kinds import ActorInfo, StepContext
from ..model import Step
from ..payloads import PathKey
from ..rendering import plural
from .interface import StepActor, StepKind


@dataclass(frozen=True, slots=True)
class ExpectSilence(Step):
    """Nothing at all arrives for ``duration`` seconds.

    Bytes already waiting unread, or the peer closing its side, break the silence too.
    """

    duration: float


def build(ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo) -> ExpectSilence:
    """``expect_silence: DURATION``."""
    duration = ctx.duration(item["expect_silence"], (*at, "expect_silence"))
    return ExpectSilence(label, ctx.loc(at), duration)


async def run(actor: StepActor, step: ExpectSilence) -> None:
    """Fail on anything already waiting, then on anything arriving within the duration."""
    conn = actor.need_conn()
    actor.no_deadline()
    buffer = actor.buffer
    seconds = f"{step.duration:g}s"
    if buffer or actor.pending_datagram is not None:
        pending = buffer.peek() if buffer else (actor.pending_datagram or b"")
        raise actor.fail(
            f"expected {seconds} of silence, but {plural(len(pending), 'byte')} already waited",
            expected_text="silence",
            received=pending,
        )
    if buffer.eof:
        raise actor.fail(
            "expected silence, but the peer had already closed the connection",
            expected_text="silence",
        )
    if conn.is_stream:
        if await actor.within(step.duration, actor.fill) is None:
            return
        if buffer.eof:
            raise actor.fail(
                f"expected {seconds} of silence, but the peer closed the connection",
                expected_text="silence",
            )
        raise actor.fail(
            f"expected {seconds} of silence, but {plural(len(buffer), 'byte')} arrived",
            expected_text="silence",
            received=buffer.peek(),
        )
    data = await actor.within(step.duration, actor.next_datagram)
    if data is None:
        return
    raise actor.fail(
        f"expected {seconds} of silence, but a {len(data)}-byte datagram arrived",
        expected_text="silence",
        received=data,
    )


def describe(step: ExpectSilence) -> str:
    """``expect_silence 0.5s``."""
    return f"expect_silence {step.duration:g}s"


KIND = StepKind("expect_silence", ExpectSilence, build, run, describe)
