"""Building what runs a program: its command (argv, shell, env, cwd) and how it is stopped."""

from __future__ import annotations

import shlex
import signal
from typing import Any

from .. import model
from ..placeholders import Template
from ..suggestions import suggest
from ..yamlsource import PathKey
from .context import Context


def build_command(ctx: Context, node: dict[str, Any], at: PathKey) -> model.Command:
    """The ``command`` of the actor at *at*, with its ``shell``, ``env`` and ``cwd``."""
    cat = (*at, "command")
    raw = node["command"]
    shell = bool(node.get("shell", False))
    argv: list[Template] = []
    if isinstance(raw, list):
        if shell:
            ctx.problem(
                cat, "with shell: true, write the command as one string", "or drop shell: true"
            )
        for i, item in enumerate(raw):
            argv.append(ctx.template(text_of(item), (*cat, i)))
        if raw and text_of(raw[0]) == "":
            ctx.problem((*cat, 0), "the program name is empty")
    elif shell:
        argv.append(ctx.template(raw, cat))
    else:
        try:
            words = shlex.split(raw)
        except ValueError as exc:
            ctx.problem(cat, f"cannot split the command into arguments: {exc}", "check its quotes")
            words = []
        else:
            if not words:
                ctx.problem(cat, "the command is empty")
        argv.extend(ctx.template(w, cat) for w in words)
    env = tuple(
        (str(k), ctx.template(text_of(v), (*at, "env", k)))
        for k, v in (node.get("env") or {}).items()
    )
    cwd = ctx.template(node["cwd"], (*at, "cwd")) if "cwd" in node else None
    # The OS takes arguments, environment and paths as C strings.
    texts = [(cat if not isinstance(raw, list) else (*cat, i), t) for i, t in enumerate(argv)]
    texts += [((*at, "env", k), t) for k, t in env]
    texts += [((*at, "cwd"), cwd)] if cwd is not None else []
    for where, tpl in texts:
        if "\0" in tpl.source:
            ctx.problem(where, "a command argument, environment value or cwd cannot hold a NUL")
    return model.Command(tuple(argv), ctx.loc(cat), shell, env, cwd)


def build_stop(ctx: Context, spec: dict[str, Any] | None, at: PathKey) -> model.Stop:
    """How a process server is stopped: a signal, then SIGKILL after a grace period."""
    if spec is None:
        return model.Stop()
    sig = signal.SIGTERM
    if "signal" in spec:
        name = str(spec["signal"]).upper()
        if not name.startswith("SIG"):
            name = "SIG" + name
        try:
            sig = signal.Signals[name]
        except KeyError:
            names = [s.name for s in signal.Signals]
            ctx.problem(
                (*at, "signal"),
                f"unknown signal {spec['signal']!r}",
                suggest(name, names) or "use a name such as SIGTERM, SIGINT, SIGHUP or SIGKILL",
            )
    timeout = (
        ctx.duration(spec["timeout"], (*at, "timeout"))
        if "timeout" in spec
        else model.DEFAULT_STOP_TIMEOUT
    )
    return model.Stop(sig, timeout)


def text_of(value: Any) -> str:
    """A YAML scalar as the text a program would see (``true``, not ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
