"""Building what runs a program: its command (argv, shell, env, cwd) and how it is stopped."""

from __future__ import annotations

import re
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
    elif len(raw) > MAX_COMMAND_CHARS:
        ctx.problem(
            cat,
            f"the command is {len(raw):,} characters long; the limit is {MAX_COMMAND_CHARS:,} "
            "(the most the OS passes as one argument)",
            "run a script instead",
        )
    elif shell:
        if _quoted_placeholder(raw):
            ctx.problem(
                cat,
                "a placeholder inside quotes in a shell command: with shell: true every "
                "placeholder's value is inserted quoted already, and its quotes would close yours",
                "remove the quotes around the placeholder",
            )
        argv.append(ctx.template(raw, cat))
    else:
        try:
            words = split_words(raw)
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


#: Longest ``command:`` string: Linux refuses a longer single argument (MAX_ARG_STRLEN).
MAX_COMMAND_CHARS = 128 * 1024

_PIECES = re.compile(
    r"""(?P<space>[ \t\r\n]+)|(?P<bare>[^ \t\r\n'"\\]+)|'(?P<single>[^']*)'"""
    r"""|"(?P<double>(?:[^"\\]|\\.)*)"|\\(?P<escaped>.)|(?P<bad>.)""",
    re.DOTALL,
)
_ESCAPE_AT_END = re.compile(r'"(?:[^"\\]|\\.)*\\', re.DOTALL)
_IN_DOUBLE = re.compile(r'\\([\\"])')


def split_words(text: str) -> list[str]:
    """*text* split into words as ``shlex.split`` does, in linear time.

    ``shlex`` grows each token a character at a time: a long quoted word
    takes quadratic time (a 1.2 M-character command took 10 s).
    """
    words: list[str] = []
    word: list[str] | None = None
    for piece in _PIECES.finditer(text):
        kind = piece.lastgroup
        if kind == "space":
            if word is not None:
                words.append("".join(word))
            word = None
            continue
        if kind == "bad":
            raise ValueError(_unfinished(text[piece.start() :]))
        value = piece.group(kind or "bare")
        if kind == "double":
            value = _IN_DOUBLE.sub(r"\1", value)
        word = [] if word is None else word
        word.append(value)
    if word is not None:
        words.append("".join(word))
    return words


def _quoted_placeholder(command: str) -> bool:
    """True when a ``${...}`` of *command* stands inside single or double quotes."""
    for piece in _PIECES.finditer(command):
        kind = piece.lastgroup
        if kind == "bad":
            return False  # unbalanced quotes: the shell will say so
        if kind in ("single", "double") and "${" in piece.group(kind).replace("$${", ""):
            return True
    return False


def _unfinished(rest: str) -> str:
    """shlex's words for what cannot be split: a lone backslash at the end, or an open quote."""
    if rest == "\\" or _ESCAPE_AT_END.fullmatch(rest):
        return "No escaped character"
    return "No closing quotation"


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
