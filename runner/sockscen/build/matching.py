"""Building a matcher: the form by its YAML key, plus the checks that depend on the actor.

``until`` and the frame-only forms (``contains``, ``json``, ``all``, ``not``)
only make sense on some connections: an actor with framing, or one on
datagrams, already reads whole messages; an unframed stream needs ``until``
or ``length`` for a frame-only form.  ``length`` beside another form and
``until: {regex: R}`` wrap that form: they cut the frame, it checks it.
"""

from __future__ import annotations

from typing import Any

from ..kinds import ActorInfo
from ..matchers import MATCHERS, AnyData, Exact, Matcher, MatcherContext, Sized, UntilRegex
from ..matchers.length import build_length
from ..matchers.pattern import build_list
from ..matchers.regex import build as build_regex
from ..payloads import PathKey, Payload


def build_matcher(ctx: MatcherContext, value: Any, at: PathKey, actor: ActorInfo | None) -> Matcher:
    """The matcher written at *at*; *actor* None for a process's output (no connection)."""
    if isinstance(value, list):
        return build_list(ctx, value, at)
    if not isinstance(value, dict):
        return Exact(payload=ctx.payload(value, at))
    cut_by_regex = isinstance(value.get("until"), dict) and "regex" in value["until"]
    until = _until(ctx, value, at, actor) if "until" in value and not cut_by_regex else None
    forms = [key for key in MATCHERS if key in value]
    sized = "length" in forms and len(forms) > 1
    form = next((key for key in forms if not (sized and key == "length")), None)
    matcher: Matcher = (
        AnyData(until=until) if form is None else MATCHERS[form](ctx, value, at, until)
    )
    cuts = bool(until is not None or cut_by_regex or "length" in value)
    if sized:
        length = build_length(ctx, value["length"], (*at, "length"))
        if "until" in value:
            ctx.problem(
                (*at, "length"),
                "'length' and 'until' both cut the frame",
                "keep one of them",
                key=True,
            )
        matcher = Sized(length=length, inner=matcher)
    if cut_by_regex:
        _check_until_allowed(ctx, at, actor)
        cut = build_regex(ctx, value["until"], (*at, "until"), None)
        if cut.compiled is not None and cut.compiled.fullmatch(b"") is not None:
            ctx.problem(
                (*at, "until", "regex"),
                "this until regex matches where nothing has arrived yet, so it would cut "
                "an empty frame",
                "make it match at least one byte, such as a line end",
            )
        matcher = UntilRegex(cut=cut, inner=None if form is None else matcher)
    unframed = actor is not None and actor.transport == "stream" and not actor.framed
    if matcher.needs_frame and not cuts and unframed:
        assert actor is not None
        ctx.problem(
            at,
            f"'{form}' checks one whole message, but {actor.label} reads an unframed byte stream",
            "add until: or set framing:",
        )
    return matcher


def build_frame_matcher(ctx: MatcherContext, value: Any, at: PathKey) -> Matcher:
    """A matcher inside ``all`` or ``not``: it checks the frame the outer matcher cut."""
    if isinstance(value, dict) and "until" in value:
        ctx.problem(
            (*at, "until"),
            "'until' inside 'all' or 'not' has no meaning: they check the frame that is "
            "already cut",
            "put until: beside all: or not:",
            key=True,
        )
        value = {k: v for k, v in value.items() if k != "until"}
    return build_matcher(ctx, value, at, None)


def _until(
    ctx: MatcherContext, value: dict[str, Any], at: PathKey, actor: ActorInfo | None
) -> Payload:
    until = ctx.payload(value["until"], (*at, "until"))
    if until.static == b"":
        ctx.problem((*at, "until"), "an empty 'until' delimiter would match everywhere")
    _check_until_allowed(ctx, at, actor)
    return until


def _check_until_allowed(ctx: MatcherContext, at: PathKey, actor: ActorInfo | None) -> None:
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
