"""``expect_eof``: the peer closes its sending side (data arriving first is a failure)."""

from __future__ import annotations

from ..model import ExpectEof
from ..rendering import plural
from .interface import StepActor, StepKind


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


KIND = StepKind("expect_eof", run, waiting_for=waiting_for)
