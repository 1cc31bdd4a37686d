"""Building a connection's framing: a name (``line``) or a mapping told apart by its key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..framing import CRLF, LINE, NONE, Framing, FramingError, delimited, length_prefixed
from ..yamlsource import PathKey
from .context import Context

#: Framings written as a bare name.
NAMED: dict[str, Framing] = {"none": NONE, "line": LINE, "crlf": CRLF}


def _delimiter(value: dict[str, Any]) -> Framing:
    return delimited(value["delimiter"].encode("utf-8"))


def _length_prefix(value: dict[str, Any]) -> Framing:
    spec = value["length_prefix"]
    return length_prefixed(int(spec["bytes"]), spec.get("byteorder", "big"))


#: Framings written as a mapping, by their YAML key.
FRAMINGS: dict[str, Callable[[dict[str, Any]], Framing]] = {
    "delimiter": _delimiter,
    "length_prefix": _length_prefix,
}


def build_framing(ctx: Context, value: Any, at: PathKey) -> Framing:
    """The framing written at *at*; no framing when there is none (or it is broken)."""
    if value is None:
        return NONE
    if isinstance(value, str):
        return NAMED[value]
    try:
        return next(build(value) for key, build in FRAMINGS.items() if key in value)
    except FramingError as exc:
        ctx.problem(at, str(exc))
        return NONE
