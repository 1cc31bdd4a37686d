"""Building a process server's readiness probe: ``connect`` by default, else by its YAML key."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from .. import model
from ..regexes import check_pattern
from ..yamlsource import PathKey
from .context import Context

_READY_FORMS = "{stdout: REGEX}, {stderr: REGEX}, {delay: DURATION} or {path: PATH}"

#: Builds one probe: (context, server name, ready mapping, its path, timeout, has a stream address).
ProbeBuilder = Callable[[Context, str, dict[str, Any], PathKey, float, bool], "model.Ready | None"]


def _connect(
    ctx: Context, name: str, spec: dict[str, Any], at: PathKey, timeout: float, has_stream: bool
) -> model.Ready | None:
    if not has_stream:
        ctx.problem(
            (*at, "connect"),
            "ready: connect needs a stream address (tcp:// or unix:), "
            f"and server '{name}' has none",
            "use ready: " + _READY_FORMS,
            key=True,
        )
        return None
    return model.Ready("connect", timeout, location=ctx.loc(at))


def _output(stream: Literal["stdout", "stderr"]) -> ProbeBuilder:
    def build(
        ctx: Context, name: str, spec: dict[str, Any], at: PathKey, timeout: float, _: bool
    ) -> model.Ready | None:
        pattern = spec[stream]
        try:
            check_pattern(pattern)
        except re.error as exc:
            pos = f" at position {exc.pos}" if exc.pos is not None else ""
            ctx.problem((*at, stream), f"invalid regex: {exc.msg}{pos}")
            return None
        return model.Ready(stream, timeout, pattern=pattern, location=ctx.loc(at))

    return build


def _delay(
    ctx: Context, name: str, spec: dict[str, Any], at: PathKey, timeout: float, _: bool
) -> model.Ready | None:
    delay = ctx.duration(spec["delay"], (*at, "delay"))
    return model.Ready("delay", timeout, delay=delay, location=ctx.loc(at))


def _path(
    ctx: Context, name: str, spec: dict[str, Any], at: PathKey, timeout: float, _: bool
) -> model.Ready | None:
    path = ctx.template(spec["path"], (*at, "path"))
    listen = ctx.doc["servers"][name].get("listen")
    listens = listen.items() if isinstance(listen, dict) else [(None, listen)]
    for key, address in listens:
        # A relative unix: listen path lives in ${tmp}; ready: path is relative to the file.
        if isinstance(address, str) and address.split(":", 1)[-1] == spec["path"]:
            attr = f"{name}.path" if key is None else f"{name}.{key}.path"
            ctx.problem(
                (*at, "path"),
                f"ready: path {spec['path']!r} is read relative to the scenario's folder, "
                f"but listen {address} puts that socket in the scenario's ${{tmp}}",
                f"write path: ${{{attr}}}",
            )
    return model.Ready("path", timeout, path=path, location=ctx.loc(at))


def announced_names(spec: Any) -> frozenset[str]:
    """Named groups of a ``ready: {stdout|stderr: REGEX}``: variables the program announces."""
    if not isinstance(spec, dict):
        return frozenset()
    for stream in ("stdout", "stderr"):
        pattern = spec.get(stream)
        if isinstance(pattern, str):
            try:
                return frozenset(check_pattern(pattern).groupindex)
            except re.error:
                return frozenset()  # reported where the probe is built
    return frozenset()


#: Readiness probes by their YAML key, in the order they are looked for.
PROBES: dict[str, ProbeBuilder] = {
    "connect": _connect,
    "stdout": _output("stdout"),
    "stderr": _output("stderr"),
    "delay": _delay,
    "path": _path,
}


def build_ready(
    ctx: Context, name: str, node: dict[str, Any], at: PathKey, has_stream: bool, has_listen: bool
) -> model.Ready | None:
    """The probe of server *name*; without ``ready:``, connecting, which needs a stream address."""
    spec = node.get("ready")
    if spec is None:
        if has_stream:
            return model.Ready("connect")
        if has_listen:
            message = (
                f"server '{name}' has only datagram addresses, so it cannot be probed by connecting"
            )
        else:
            message = f"server '{name}' has no listen address, so it cannot be probed by connecting"
        needs = "a datagram-only server" if has_listen else "a server without listen:"
        ctx.problem(at, message, f"{needs} needs ready: " + _READY_FORMS, key=True)
        return None
    rat = (*at, "ready")
    timeout = (
        ctx.duration(spec["timeout"], (*rat, "timeout"))
        if "timeout" in spec
        else model.DEFAULT_READY_TIMEOUT
    )
    probe = next(build for key, build in PROBES.items() if key in spec)
    return probe(ctx, name, spec, rat, timeout, has_stream)
