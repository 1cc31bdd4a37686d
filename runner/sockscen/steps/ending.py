"""What ``expect_eof`` and ``expect_reset`` share: their kind's shape, the wait for the end."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..connection import ResetByPeer
from ..errors import Location
from ..kinds import ActorInfo, StepBuilder, StepContext
from ..model import Step
from ..payloads import PathKey
from ..rendering import plural
from .building import step_timeout
from .interface import StepActor, StepKind

S = TypeVar("S", bound=Step)


def timeout_only(key: str, model: Callable[[str, Location, float | None], S]) -> StepBuilder[S]:
    """The builder of step *key*: bare, or with a ``timeout`` (beside it or inside it, not both)."""

    def build(ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo) -> S:
        if isinstance(item, str):
            return model(label, ctx.loc(at), None)
        timeout = step_timeout(ctx, item, at)
        value = item[key]
        if isinstance(value, dict) and "timeout" in value:
            if timeout is not None:
                ctx.problem((*at, "timeout"), f"{key} has two timeouts; keep one", key=True)
            timeout = ctx.duration(value["timeout"], (*at, key, "timeout"))
        return model(label, ctx.loc(at), timeout)

    build.__doc__ = f"``{key}``, bare or with a ``timeout`` (beside it or inside it, not both)."
    return build


async def wait_for_end(
    actor: StepActor, timeout: float | None, expected: str, *, arrived: str, reset_ends: bool
) -> bool:
    """Read until the stream ends (True) or, when *reset_ends*, is reset (False).

    A byte unconsumed or arriving first fails the step: "expected the peer to
    *expected*, but N more bytes *arrived*".  Without *reset_ends* a reset
    propagates as the error it is.
    """
    actor.need_conn()
    actor.set_timeout(timeout)
    buffer = actor.buffer
    while True:
        if buffer:
            more = plural(len(buffer), "more byte")
            raise actor.fail(
                f"expected the peer to {expected}, but {more} {arrived}",
                expected_text="a reset (TCP RST)" if reset_ends else "end of stream",
                received=buffer.peek(),
            )
        if buffer.eof:
            return True
        try:
            await actor.fill()
        except ResetByPeer:
            if reset_ends:
                return False
            raise


def ending_kind(
    key: str,
    model: type[S],
    run: Callable[[StepActor, S], Awaitable[None]],
    waiting: str,
) -> StepKind[S]:
    """The kind of a stream-only step waiting for the peer to end; it waits for *waiting*."""
    return StepKind(
        key,
        model,
        timeout_only(key, model),
        run,
        waiting_for=lambda step: waiting,
        stream_only=True,
    )
