"""Building actors: servers and clients, each kind by the YAML key that tells it apart.

A server with ``handle:`` is scripted, one with ``command:`` is the user's
program; a client with ``command:`` is a program, one with ``steps:`` a
scripted socket client (with or without ``connect:``).  New actor kinds
(rule servers, proxies) are one builder plus one line in ``SERVERS`` or
``CLIENTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import model
from ..addresses import STREAM_SCHEMES
from ..kinds import ActorInfo
from ..matchers import Matcher
from ..yamlsource import PathKey
from .actor_parts import actor_faults, scripted_fields, server_parts
from .addresses import build_address, build_listen_address
from .commands import build_command, build_stop
from .context import Context
from .framings import build_framing
from .readiness import announced_names, build_ready
from .rules import rule_server
from .schemes import SCHEMES, transport_of


def scripted_server(
    ctx: Context, name: str, node: dict[str, Any], at: PathKey
) -> model.ScriptedServer | None:
    """A mock server running its ``handle`` steps on each connection or sender."""
    listen, framing, actor = server_parts(ctx, name, node, at)
    handle = ctx.steps(node["handle"], (*at, "handle"), actor)
    faults = actor_faults(ctx, node, at, actor, accepts=True)
    if listen is None:
        return None
    return model.ScriptedServer(
        **scripted_fields(ctx, name, node, at, (listen, framing, handle, faults))
    )


def process_server(
    ctx: Context, name: str, node: dict[str, Any], at: PathKey
) -> model.ProcessServer | None:
    """The user's server program, with its listen addresses, readiness probe and stop."""
    command = build_command(ctx, node, at)
    raw_listen = node.get("listen")
    listens: list[model.ListenAddress | None] = []
    ctx.refs.announced = announced_names(node.get("ready"))
    if isinstance(raw_listen, str):
        listens.append(build_listen_address(ctx, None, raw_listen, (*at, "listen")))
    elif isinstance(raw_listen, dict):
        for key, text in raw_listen.items():
            listens.append(build_listen_address(ctx, key, text, (*at, "listen", key)))
    ctx.refs.announced = frozenset()
    listen = tuple(a for a in listens if a is not None)
    has_stream = any(a.scheme in STREAM_SCHEMES for a in listen)
    ready = build_ready(ctx, name, node, at, has_stream, bool(listens))
    stop = build_stop(ctx, node.get("stop"), (*at, "stop"))
    if ready is None or len(listen) != len(listens):
        return None
    return model.ProcessServer(
        name=name,
        command=command,
        listen=listen,
        ready=ready,
        location=ctx.key_loc(at),
        stop=stop,
        expect_exit=node.get("expect_exit"),
        expect_exit_location=ctx.loc_if(node, at, "expect_exit"),
        expect_stdout=_output_matcher(ctx, node, at, "expect_stdout"),
        expect_stderr=_output_matcher(ctx, node, at, "expect_stderr"),
        expect_stdout_location=ctx.loc_if(node, at, "expect_stdout"),
        expect_stderr_location=ctx.loc_if(node, at, "expect_stderr"),
    )


def _output_matcher(ctx: Context, node: dict[str, Any], at: PathKey, key: str) -> Matcher | None:
    return ctx.matcher(node[key], (*at, key), None) if key in node else None


def socket_client(ctx: Context, name: str, node: dict[str, Any], at: PathKey) -> model.SocketClient:
    """A scripted client; its scheme must agree with the server address it names."""
    if "connect" not in node:
        actor = ActorInfo(f"client {name}", "none", False)
        return model.SocketClient(
            name=name,
            connect=None,
            steps=ctx.steps(node["steps"], (*at, "steps"), actor),
            location=ctx.key_loc(at),
            count=int(node.get("count", 1)),
        )
    cat = (*at, "connect")
    connect, literal = build_address(ctx, node["connect"], cat, listen=False)
    scheme = literal
    refs = list(connect.refs)
    servers = ctx.refs.servers
    if literal is not None:
        for ref in refs:
            target = servers.scheme(ref)
            if (
                target is not None
                and target != literal
                # else the attribute check has said it
                and ref.path[-1] in SCHEMES[target].attributes
                # A program may serve TCP and UDP on one port (dnsmasq); sockscen's own
                # scripted servers listen only as they say.
                and not _is_program(ctx, ref.path[0])
            ):
                ctx.problem(
                    cat,
                    f"client '{name}' connects with {literal} "
                    f"but server '{ref.path[0]}' listens on {servers.shown(ref)}",
                    f"write connect: ${{{'.'.join(ref.path[:-1])}.url}}",
                )
    elif (
        [p for p in connect.parts if p != ""] == refs
        and len(refs) == 1
        and refs[0].path[-1] == "url"
    ):
        scheme = servers.scheme(refs[0])
    framing = build_framing(ctx, node.get("framing"), (*at, "framing"))
    actor = ActorInfo(f"client {name}", transport_of(scheme), framing.is_framed)
    steps = ctx.steps(node["steps"], (*at, "steps"), actor)
    faults = actor_faults(ctx, node, at, actor, accepts=False)
    reply_from = node.get("reply_from", "connect")
    if reply_from == "any" and scheme != "udp":
        ctx.problem(
            (*at, "reply_from"),
            f"reply_from: any is for udp:// clients; client '{name}' connects with "
            f"{scheme or 'an address not known before it runs'}",
            "a stream connection is always answered on itself; connect to udp://HOST:PORT",
        )
    return model.SocketClient(
        name=name,
        connect=connect,
        steps=steps,
        location=ctx.key_loc(at),
        scheme=scheme,
        count=int(node.get("count", 1)),
        framing=framing,
        faults=faults,
        reply_from=reply_from,
    )


def _is_program(ctx: Context, server: str) -> bool:
    node = (ctx.doc.get("servers") or {}).get(server)
    return isinstance(node, dict) and "command" in node


def process_client(
    ctx: Context, name: str, node: dict[str, Any], at: PathKey
) -> model.ProcessClient:
    """A client program, with what its exit status and output must be."""
    command = build_command(ctx, node, at)
    if "wait" in node:
        ctx.wait(node["wait"], (*at, "wait"))
    if "notify" in node:
        ctx.notify(node["notify"])
    return model.ProcessClient(
        name=name,
        command=command,
        location=ctx.key_loc(at),
        stdin=ctx.payload(node["stdin"], (*at, "stdin")) if "stdin" in node else None,
        timeout=ctx.duration(node["timeout"], (*at, "timeout")) if "timeout" in node else None,
        expect_exit=int(node.get("expect_exit", 0)),
        expect_stdout=_output_matcher(ctx, node, at, "expect_stdout"),
        expect_stderr=_output_matcher(ctx, node, at, "expect_stderr"),
        count=int(node.get("count", 1)),
        expect_stdout_location=ctx.loc_if(node, at, "expect_stdout"),
        expect_stderr_location=ctx.loc_if(node, at, "expect_stderr"),
        expect_exit_location=ctx.loc_if(node, at, "expect_exit"),
        wait=node.get("wait"),
        notify=node.get("notify"),
    )


ServerBuilder = Callable[[Context, str, dict[str, Any], PathKey], "model.Server | None"]
ClientBuilder = Callable[[Context, str, dict[str, Any], PathKey], "model.Client | None"]

#: Server kinds by the YAML key that tells them apart, in the order they are looked for.
SERVERS: dict[str, ServerBuilder] = {
    "rules": rule_server,
    "handle": scripted_server,
    "command": process_server,
}

#: Client kinds by the YAML key that tells them apart, in the order they are looked for.
CLIENTS: dict[str, ClientBuilder] = {
    "command": process_client,
    # connect: is optional: a client without it runs only steps needing no connection.
    "steps": socket_client,
}
