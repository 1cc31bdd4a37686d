"""Building a matcher: the form by its YAML key, plus the checks that depend on the actor.

``until`` and the frame-only forms (``contains``, ``json``) only make sense on
some connections: an actor with framing, or one on datagrams, already reads
whole messages; an unframed stream needs ``until`` for a frame-only form.
"""

from __future__ import annotations

from typing import Any

from ..kinds import ActorInfo
from ..matchers import MATCHERS, AnyData, Exact, Matcher, MatcherContext
from ..payloads import PathKey, Payload


def build_matcher(ctx: MatcherContext, value: Any, at: PathKey, actor: ActorInfo | None) -> Matcher:
    """The matcher written at *at*; *actor* None for a process's output (no connection)."""
    if not isinstance(value, dict):
        return Exact(payload=ctx.payload(value, at))
    until = _until(ctx, value, at, actor) if "until" in value else None
    form = next((key for key in MATCHERS if key in value), None)
    matcher = AnyData(until=until) if form is None else MATCHERS[form](ctx, value, at, until)
    if (
        matcher.needs_frame
        and until is None
        and actor is not None
        and actor.transport == "stream"
        and not actor.framed
    ):
        ctx.problem(
            at,
            f"'{form}' checks one whole message, but {actor.label} reads an unframed byte stream",
            "add until: or set framing:",
        )
    return matcher


def _until(
    ctx: MatcherContext, value: dict[str, Any], at: PathKey, actor: ActorInfo | None
) -> Payload:
    until = ctx.payload(value["until"], (*at, "until"))
    if until.static == b"":
        ctx.problem((*at, "until"), "an empty 'until' delimiter would match everywhere")
    if actor is not None and actor.framed:
        ctx.problem(
            (*at, "until"),
            f"'until' has no meaning here: {actor.label} has framing, "
            "so every expect reads one frame",
            "remove until: or framing:",
            key=True,
        )
    elif actor is not None and actor.transport == "datagram":
        ctx.problem(
            (*at, "until"),
            f"'until' has no meaning here: {actor.label} uses datagrams, "
            "and every expect reads one whole datagram",
            "remove until:",
            key=True,
        )
    return until
