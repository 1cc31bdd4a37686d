"""Parts every actor builder shares: a server's listen address and framing, an actor's faults,
and the fields of every scripted server (rule servers are scripted servers too)."""

from __future__ import annotations

from typing import Any, TypedDict

from .. import model
from ..errors import Location
from ..faults import Fault
from ..framing import Framing
from ..kinds import ActorInfo
from ..yamlsource import PathKey
from .addresses import build_listen_address
from .context import Context
from .faults import build_faults
from .framings import build_framing
from .schemes import transport_of


def server_parts(
    ctx: Context, name: str, node: dict[str, Any], at: PathKey
) -> tuple[model.ListenAddress | None, Framing, ActorInfo]:
    """A server's ``listen`` address, its ``framing``, and what its steps run on."""
    listen = build_listen_address(ctx, None, node["listen"], (*at, "listen"))
    framing = build_framing(ctx, node.get("framing"), (*at, "framing"))
    transport = transport_of(listen.scheme if listen else None)
    return listen, framing, ActorInfo(f"server {name}", transport, framing.is_framed)


def actor_faults(
    ctx: Context, node: dict[str, Any], at: PathKey, actor: ActorInfo, *, accepts: bool
) -> tuple[Fault, ...]:
    """The ``faults`` of *actor* (a server *accepts* connections, a client makes them)."""
    return build_faults(
        ctx,
        node.get("faults"),
        (*at, "faults"),
        owner=actor.label,
        transport=actor.transport,
        accepts=accepts,
    )


class ScriptedFields(TypedDict):
    """The fields of ``model.ScriptedServer``, which ``model.RuleServer`` extends."""

    name: str
    listen: model.ListenAddress
    handle: tuple[model.Step, ...]
    location: Location
    framing: Framing
    connections: int | None
    connections_location: Location | None
    faults: tuple[Fault, ...]


def scripted_fields(
    ctx: Context,
    name: str,
    node: dict[str, Any],
    at: PathKey,
    parts: tuple[model.ListenAddress, Framing, tuple[model.Step, ...], tuple[Fault, ...]],
) -> ScriptedFields:
    """A scripted server's fields from its built *parts* (listen, framing, handle, faults) and
    what is read as is from its *node* (``connections``)."""
    listen, framing, handle, faults = parts
    return ScriptedFields(
        name=name,
        listen=listen,
        handle=handle,
        location=ctx.key_loc(at),
        framing=framing,
        connections=node.get("connections"),
        connections_location=ctx.loc_if(node, at, "connections"),
        faults=faults,
    )
