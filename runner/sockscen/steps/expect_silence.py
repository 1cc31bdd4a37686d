"""``expect_silence``: nothing at all arrives for ``duration`` seconds."""

from __future__ import annotations

from ..model import ExpectSilence
from ..rendering import plural
from .interface import StepActor, StepKind


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


KIND = StepKind("expect_silence", run, describe)
