"""Building rule servers: ``rules:`` (after ``handle:``, if any), ``default``, counts, states."""

from __future__ import annotations

from typing import Any

from .. import model
from ..kinds import ActorInfo
from ..payloads import Payload
from ..rules import START, unreachable
from ..yamlsource import PathKey
from .actor_parts import actor_faults, scripted_fields, server_parts
from .context import Context
from .faults import build_faults


def rule_server(
    ctx: Context, name: str, node: dict[str, Any], at: PathKey
) -> model.RuleServer | None:
    """A mock server answering each request by the first of its ``rules`` that matches."""
    listen, framing, actor = server_parts(ctx, name, node, at)
    handle = ctx.steps(node.get("handle") or [], (*at, "handle"), actor)
    rules = tuple(
        _rule(ctx, f"rule {i + 1}", item, (*at, "rules", i), actor)
        for i, item in enumerate(node["rules"])
    )
    default = (
        _rule(ctx, "default", node["default"], (*at, "default"), actor)
        if "default" in node
        else None
    )
    _check_states(ctx, rules, default, at)
    for later, earlier in unreachable(rules, framing):
        ctx.problem(
            (*at, "rules", later, "when"),
            f"rule {later + 1} can never match: rule {earlier + 1} (line "
            f"{rules[earlier].location.line}) takes every request in the same state",
            "move it before that rule, or give the rules different states",
        )
    if listen is None:
        return None
    faults = actor_faults(ctx, node, at, actor, accepts=True)
    return model.RuleServer(
        **scripted_fields(ctx, name, node, at, (listen, framing, handle, faults)),
        rules=rules,
        default=default,
        state_scope=node.get("state_scope", "connection"),
        expect_unmatched=node.get("expect_unmatched"),
        expect_unmatched_location=ctx.loc_if(node, at, "expect_unmatched"),
        timeout=ctx.duration(node["timeout"], (*at, "timeout")) if "timeout" in node else None,
    )


def _rule(
    ctx: Context, name: str, node: dict[str, Any], at: PathKey, actor: ActorInfo
) -> model.Rule:
    when = ctx.matcher(node["when"], (*at, "when"), actor) if "when" in node else None
    replies: tuple[Payload, ...]
    if "reply" in node:
        replies = (ctx.payload(node["reply"], (*at, "reply")),)
    else:
        replies = tuple(
            ctx.payload(v, (*at, "replies", i)) for i, v in enumerate(node.get("replies") or [])
        )
    label = name.replace("rule ", "r") if name != "default" else "default"
    steps = ctx.steps(node["steps"], (*at, "steps"), actor, f"{label}.") if "steps" in node else ()
    count = node.get("expect_count")
    bounds: tuple[int | None, int | None] | None = None
    if isinstance(count, int):
        bounds = (count, count)
    elif isinstance(count, dict):
        bounds = (count.get("min"), count.get("max"))
        if bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
            ctx.problem((*at, "expect_count"), f"min {bounds[0]} is more than max {bounds[1]}")
    return model.Rule(
        name=name,
        location=ctx.loc(at),
        when=when,
        replies=replies,
        steps=steps,
        state=node.get("state"),
        goto=node.get("goto"),
        expect_count=bounds,
        expect_count_location=ctx.loc_if(node, at, "expect_count"),
        # Only what the rule sends: accepting belongs to the server (no refuse here).
        faults=build_faults(
            ctx,
            node.get("faults"),
            (*at, "faults"),
            owner=f"{actor.label}, {name}",
            transport=actor.transport,
            accepts=False,
        ),
    )


def _check_states(
    ctx: Context, rules: tuple[model.Rule, ...], default: model.Rule | None, at: PathKey
) -> None:
    """A rule's ``state`` must be one some ``goto`` reaches (or the initial one)."""
    reached = {START} | {r.goto for r in (*rules, *([default] if default else [])) if r.goto}
    for i, rule in enumerate(rules):
        if rule.state is not None and rule.state not in reached:
            ctx.problem(
                (*at, "rules", i, "state"),
                f"no rule moves to state '{rule.state}', so this rule can never match",
                "add 'goto: " + rule.state + "' to the rule that should lead there "
                f"(the initial state is '{START}')",
            )
