"""Building ``proxies:``: where each listens, its upstream, and the faults of each direction."""

from __future__ import annotations

from typing import Any

from .. import model
from ..yamlsource import PathKey
from .addresses import build_address, build_listen_address
from .context import Context
from .faults import build_faults
from .framings import build_framing
from .schemes import transport_of


def proxy(ctx: Context, name: str, node: dict[str, Any], at: PathKey) -> model.Proxy | None:
    """A proxy; its upstream must be of the same kind (stream or datagram) as its listen address."""
    listen = build_listen_address(ctx, None, node["listen"], (*at, "listen"))
    uat = (*at, "upstream")
    upstream, literal = build_address(ctx, node["upstream"], uat, listen=False)
    scheme = literal
    refs = list(upstream.refs)
    if scheme is None and len(refs) == 1 and refs[0].path[-1] == "url":
        scheme = ctx.refs.servers.scheme(refs[0])
    transport = transport_of(listen.scheme if listen else None)
    upstream_transport = transport_of(scheme)
    if transport and upstream_transport and transport != upstream_transport:
        ctx.problem(
            uat,
            f"proxy '{name}' listens for {transport} connections but its upstream is a "
            f"{upstream_transport} address",
            "a proxy relays streams to streams (tcp, unix) and datagrams to datagrams "
            "(udp, unixgram)",
        )
    owner = f"proxy '{name}'"
    upstream_faults = build_faults(
        ctx,
        node.get("upstream_faults"),
        (*at, "upstream_faults"),
        owner=f"{owner} (upstream side)",
        transport=transport,
        accepts=False,
    )
    downstream_faults = build_faults(
        ctx,
        node.get("downstream_faults"),
        (*at, "downstream_faults"),
        owner=owner,
        transport=transport,
        accepts=True,
    )
    if listen is None:
        return None
    return model.Proxy(
        name=name,
        listen=listen,
        upstream=upstream,
        location=ctx.key_loc(at),
        upstream_location=ctx.loc(uat),
        framing=build_framing(ctx, node.get("framing"), (*at, "framing")),
        upstream_faults=upstream_faults,
        downstream_faults=downstream_faults,
        connections=node.get("connections"),
        connections_location=ctx.loc_if(node, at, "connections"),
    )
