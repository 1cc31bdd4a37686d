"""Building step lists: each step kind builds itself (``steps.<kind>.build``).

The kinds are looked up by their YAML key in ``steps.registry.STEPS``; the
checks every step shares (which kind it is, whether it means anything on a
datagram socket) stay here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..kinds import ActorInfo, StepContext
from ..model import Step
from ..payloads import PathKey
from ..steps.registry import STEPS

__all__ = ["STEPS", "build_step", "build_steps"]


def build_steps(
    ctx: StepContext, items: Sequence[Any], at: PathKey, actor: ActorInfo, prefix: str = ""
) -> tuple[Step, ...]:
    """The steps of a list, labelled ``PREFIX1``, ``PREFIX2``...; broken ones are left out."""
    out: list[Step] = []
    for i, item in enumerate(items):
        step = build_step(ctx, item, (*at, i), f"{prefix}{i + 1}", actor)
        if step is not None:
            out.append(step)
    return tuple(out)


def build_step(
    ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo
) -> Step | None:
    """One step: a bare string or a mapping, told apart by its step key."""
    key = item if isinstance(item, str) else next(k for k in STEPS if k in item)
    kind = STEPS[key]
    if kind.stream_only and actor.transport == "datagram":
        ctx.problem(
            at,
            f"'{key}' has no meaning on a datagram socket ({actor.label})",
            "datagram sockets have no connection to end; remove the step",
        )
    if kind.needs_connection and actor.transport == "none":
        free = ", ".join(k for k, other in STEPS.items() if not other.needs_connection)
        ctx.problem(
            at,
            f"'{key}' needs a connection, and {actor.label} has no connect:",
            f"a client without connect: runs only {free}; add connect: ADDRESS",
        )
    return kind.build(ctx, item, at, label, actor)
