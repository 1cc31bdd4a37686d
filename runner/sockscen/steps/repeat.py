"""``repeat``: run a block ``count`` times, or until the peer closes before an iteration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..kinds import ActorInfo, StepContext
from ..model import Step
from ..payloads import PathKey
from .interface import StepActor, StepKind

#: A ``repeat`` yields to the scheduler at least once per this many iterations.
REPEAT_YIELD_EVERY = 64


@dataclass(frozen=True, slots=True)
class Repeat(Step):
    """Run ``steps`` ``count`` times; with ``count`` None, until the peer closes
    cleanly at the start of an iteration (the natural loop of an echo server)."""

    steps: tuple[Step, ...]
    count: int | None = None


def build(ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo) -> Repeat:
    """``repeat: {steps: [...], count: N}``; inner steps are labelled ``LABEL.1``..."""
    value = item["repeat"]
    inner = ctx.steps(value["steps"], (*at, "repeat", "steps"), actor, f"{label}.")
    return Repeat(label, ctx.loc(at), inner, value.get("count"))


async def run(actor: StepActor, step: Repeat) -> None:
    """Run the body; a repeat without count must consume data in every iteration."""
    started = actor.current_started
    # Pushed here and popped only when the loop ends normally: a failure or a
    # timeout inside reports the iteration it happened in.  A tuple, not a list:
    # most actors never repeat, and thousands of connections each kept one.
    outer = actor.iteration
    actor.iteration = (*outer, 0)
    n = 0
    while step.count is None or n < step.count:
        if step.count is None and not await actor.peer_has_more():
            break
        n += 1
        actor.iteration = (*outer, n)
        taken = actor.taken
        await actor.run_steps(step.steps)
        if step.count is None and actor.taken == taken:
            raise actor.fail(
                "this repeat (without count) made no progress: an iteration consumed "
                "no data, so it would loop forever; make its expects consume at least "
                "one byte, or give it a count",
                step=step,
            )
        if n % REPEAT_YIELD_EVERY == 0:
            # Steps that never wait (a zero-length expect, notify) must not keep
            # the scheduler from noticing a timeout or Ctrl-C.
            await actor.checkpoint()
    actor.iteration = outer
    # The body's steps were recorded; the repeat itself is recorded as the current step.
    actor.current = step
    actor.current_started = started


def describe(step: Repeat) -> str:
    """``repeat 2 steps 3 times``, ``repeat 2 steps until the peer closes``."""
    times = f"{step.count} times" if step.count is not None else "until the peer closes"
    return f"repeat {len(step.steps)} steps {times}"


KIND = StepKind("repeat", Repeat, build, run, describe)
