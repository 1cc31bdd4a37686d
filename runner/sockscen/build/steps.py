"""Building steps: one standalone builder per step kind, registered by its YAML key.

Each builder has the signature ``kinds.StepBuilder`` and depends only on
``kinds.StepContext``, so it can move into its step kind's own module as it is.
The checks every step shares (which kind it is, whether it means anything on
a datagram socket) stay in ``build_step``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import model
from ..kinds import ActorInfo, StepBuilder, StepContext
from ..payloads import PathKey

#: Step kinds that end or break a connection, which a datagram socket does not have.
_CONNECTION_STEPS = ("shutdown", "abort", "expect_eof")


def _timeout(ctx: StepContext, item: dict[str, Any], at: PathKey) -> float | None:
    return ctx.duration(item["timeout"], (*at, "timeout")) if "timeout" in item else None


def build_send(
    ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo
) -> model.Step | None:
    """``send: PAYLOAD`` with optional ``chunk`` and ``gap``."""
    gap = ctx.duration(item["gap"], (*at, "gap")) if "gap" in item else 0.0
    payload = ctx.payload(item["send"], (*at, "send"))
    return model.Send(label, ctx.loc(at), payload, item.get("chunk"), gap)


def build_expect(
    ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo
) -> model.Step | None:
    """``expect: MATCHER`` with optional ``timeout``."""
    timeout = _timeout(ctx, item, at)
    matcher = ctx.matcher(item["expect"], (*at, "expect"), actor)
    return model.Expect(label, ctx.loc(at), matcher, timeout)


def build_expect_eof(
    ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo
) -> model.Step | None:
    """``expect_eof``, bare or with a ``timeout`` (beside it or inside it, not both)."""
    if isinstance(item, str):
        return model.ExpectEof(label, ctx.loc(at))
    timeout = _timeout(ctx, item, at)
    value = item["expect_eof"]
    if isinstance(value, dict) and "timeout" in value:
        if timeout is not None:
            ctx.problem((*at, "timeout"), "expect_eof has two timeouts; keep one", key=True)
        timeout = ctx.duration(value["timeout"], (*at, "expect_eof", "timeout"))
    return model.ExpectEof(label, ctx.loc(at), timeout)


def build_expect_silence(
    ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo
) -> model.Step | None:
    """``expect_silence: DURATION``."""
    duration = ctx.duration(item["expect_silence"], (*at, "expect_silence"))
    return model.ExpectSilence(label, ctx.loc(at), duration)


def build_sleep(
    ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo
) -> model.Step | None:
    """``sleep: DURATION``."""
    return model.Sleep(label, ctx.loc(at), ctx.duration(item["sleep"], (*at, "sleep")))


def build_no_argument(
    ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo
) -> model.Step | None:
    """``close``, ``shutdown`` or ``abort``: bare, or as a key with no value."""
    kind = item if isinstance(item, str) else next(iter(item))
    return _NO_ARGUMENT[kind](label, ctx.loc(at))


_NO_ARGUMENT: dict[str, type[model.Close | model.Shutdown | model.Abort]] = {
    "close": model.Close,
    "shutdown": model.Shutdown,
    "abort": model.Abort,
}


def build_notify(
    ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo
) -> model.Step | None:
    """``notify: EVENT``."""
    ctx.notify(item["notify"])
    return model.Notify(label, ctx.loc(at), item["notify"])


def build_wait(
    ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo
) -> model.Step | None:
    """``wait: EVENT`` with optional ``timeout``; some actor must notify EVENT."""
    timeout = _timeout(ctx, item, at)
    ctx.wait(item["wait"], (*at, "wait"))
    return model.Wait(label, ctx.loc(at), item["wait"], timeout)


def build_repeat(
    ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo
) -> model.Step | None:
    """``repeat: {steps: [...], count: N}``; inner steps are labelled ``LABEL.1``..."""
    value = item["repeat"]
    inner = ctx.steps(value["steps"], (*at, "repeat", "steps"), actor, f"{label}.")
    return model.Repeat(label, ctx.loc(at), inner, value.get("count"))


#: Step kinds by their YAML key, in the order they are looked for in a step's mapping.
STEPS: dict[str, StepBuilder] = {
    "send": build_send,
    "expect": build_expect,
    "expect_eof": build_expect_eof,
    "expect_silence": build_expect_silence,
    "sleep": build_sleep,
    "close": build_no_argument,
    "shutdown": build_no_argument,
    "abort": build_no_argument,
    "notify": build_notify,
    "wait": build_wait,
    "repeat": build_repeat,
}


def build_steps(
    ctx: StepContext, items: Sequence[Any], at: PathKey, actor: ActorInfo, prefix: str = ""
) -> tuple[model.Step, ...]:
    """The steps of a list, labelled ``PREFIX1``, ``PREFIX2``...; broken ones are left out."""
    out: list[model.Step] = []
    for i, item in enumerate(items):
        step = build_step(ctx, item, (*at, i), f"{prefix}{i + 1}", actor)
        if step is not None:
            out.append(step)
    return tuple(out)


def build_step(
    ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo
) -> model.Step | None:
    """One step: a bare string or a mapping, told apart by its step key."""
    kind = item if isinstance(item, str) else next(k for k in STEPS if k in item)
    if kind in _CONNECTION_STEPS and actor.transport == "datagram":
        ctx.problem(
            at,
            f"'{kind}' has no meaning on a datagram socket ({actor.label})",
            "datagram sockets have no connection to end; remove the step",
        )
    return STEPS[kind](ctx, item, at, label, actor)
