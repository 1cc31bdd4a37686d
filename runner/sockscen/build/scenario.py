"""Building a whole scenario: vars, servers, clients, the checks across actors, the timeout."""

from __future__ import annotations

from .. import model
from ..suggestions import suggest
from ..yamlsource import PathKey
from .actors import CLIENTS, SERVERS
from .commands import text_of
from .context import Context
from .files import build_files
from .proxies import proxy
from .refs import check_var_cycles
from .sizes import check_sizes


def build(ctx: Context) -> model.Scenario | None:
    """The scenario of *ctx*'s document, or None when any problem was found."""
    doc = ctx.doc
    if not check_sizes(doc, ctx.problem):
        return None
    variables = tuple((k, ctx.template(text_of(v), ("vars", k))) for k, v in ctx.refs.vars.items())
    check_var_cycles(dict(variables), ctx.problem)
    files = build_files(ctx)
    servers: list[model.Server] = []
    for name, node in (doc.get("servers") or {}).items():
        at: PathKey = ("servers", name)
        server = next(build for key, build in SERVERS.items() if key in node)(ctx, name, node, at)
        if server is not None:
            servers.append(server)
    clients: list[model.Client] = []
    for name, node in (doc.get("clients") or {}).items():
        at = ("clients", name)
        client = next(build for key, build in CLIENTS.items() if key in node)(ctx, name, node, at)
        if client is not None:
            clients.append(client)
    proxies: list[model.Proxy] = []
    for name, node in (doc.get("proxies") or {}).items():
        at = ("proxies", name)
        if name in (doc.get("servers") or {}):
            ctx.problem(at, f"'{name}' names a server too", "give the proxy a name of its own")
        built = proxy(ctx, name, node, at)
        if built is not None:
            proxies.append(built)
    for event, wat in ctx.waits:
        if event not in ctx.notified:
            ctx.problem(
                wat,
                f"no actor notifies '{event}', so this wait can only time out",
                suggest(event, ctx.notified)
                or f"add '- notify: {event}' to the actor that should go first",
            )
    timeout = (
        ctx.duration(doc["timeout"], ("timeout",))
        if "timeout" in doc
        else model.DEFAULT_SCENARIO_TIMEOUT
    )
    if ctx.problems:
        return None
    return model.Scenario(
        name=doc["name"],
        path=ctx.path,
        directory=ctx.directory,
        location=ctx.marks.key(("name",)),
        servers=tuple(servers),
        clients=tuple(clients),
        description=doc.get("description", ""),
        tags=tuple(doc.get("tags", ())),
        timeout=timeout,
        vars=variables,
        proxies=tuple(proxies),
        files=files,
        mock=bool(doc.get("mock", False)),
    )
