"""Building ``faults:`` lists, and the check that each fault applies where it is written."""

from __future__ import annotations

from typing import Any

from ..faults import FAULTS, Fault, FaultError
from ..yamlsource import PathKey
from .context import Context


def build_faults(
    ctx: Context,
    items: Any,
    at: PathKey,
    *,
    owner: str,
    transport: str | None,
    accepts: bool,
) -> tuple[Fault, ...]:
    """The faults written at *at* (a problem for each that cannot apply).

    *transport* is ``stream``/``datagram`` (None: unknown until run time, so
    not checked); *accepts* says whether *owner* accepts connections
    (``refuse`` needs that).
    """
    faults: list[Fault] = []
    for i, node in enumerate(items or ()):
        fat = (*at, i)
        key = next(k for k in FAULTS if k in node)
        kind = FAULTS[key]
        kat = (*fat, key)
        if kind.servers_only and not accepts:
            ctx.problem(kat, f"{key} is how a server accepts: {owner} accepts no connections")
            continue

        if transport is not None and transport not in kind.transports:
            ctx.problem(
                kat,
                f"{key} cannot apply to {owner}: it works on "
                f"{' and '.join(sorted(kind.transports))} connections, this one is a {transport}",
                "datagram faults are drop, duplicate, corrupt, reorder; stream-only faults are "
                "slice, truncate, reset_after, slow_close, refuse",
            )
            continue

        def duration(value: Any, where: PathKey = kat) -> float:
            return ctx.duration(value, where)

        try:
            faults.append(kind.build(node[key], node, duration))
        except (FaultError, KeyError, TypeError, ValueError) as exc:
            ctx.problem(kat, f"{key}: {exc}")
    return tuple(faults)
