"""``text:`` parts (and plain strings): text with placeholders, written in an encoding."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

from ..placeholders import Template
from ..suggestions import suggest
from .base import Lookup, PartContext, PathKey

_COMMON_ENCODINGS = ["utf-8", "latin-1", "ascii", "utf-16", "utf-16-le", "utf-16-be", "cp1252"]


@dataclass(frozen=True, slots=True)
class TextPart:
    """A string (possibly with placeholders) encoded with ``encoding``."""

    text: Template
    encoding: str = "utf-8"

    @property
    def is_static(self) -> bool:
        """True when the text holds no placeholder."""
        return self.text.is_static

    def render(self, lookup: Lookup) -> bytes:
        """The text, placeholders expanded, in its encoding."""
        # Regex captures are decoded as UTF-8 with surrogateescape; encoding with
        # surrogateescape gives a captured non-UTF-8 byte back as that same byte, in
        # any encoding.  Real characters the encoding lacks still raise.
        return self.text.expand(lookup).encode(self.encoding, "surrogateescape")


def build_plain(ctx: PartContext, value: str, at: PathKey) -> TextPart:
    """A plain string: UTF-8 text."""
    return TextPart(ctx.template(value, at))


def build(ctx: PartContext, value: dict[str, Any], at: PathKey) -> TextPart | None:
    """``{text: ..., encoding: ...}``: the encoding must exist and hold every fixed character."""
    encoding = value.get("encoding", "utf-8")
    tpl = ctx.template(value["text"], (*at, "text"))
    try:
        codecs.lookup(encoding)
        "".encode(encoding)
    except LookupError:
        ctx.problem(
            (*at, "encoding"),
            f"unknown text encoding {encoding!r}",
            suggest(encoding, _COMMON_ENCODINGS)
            or "use a Python codec name such as utf-8, latin-1 or ascii",
        )
        return None
    if tpl.is_static:
        try:
            tpl.static_value.encode(encoding)
        except UnicodeEncodeError as exc:
            bad = exc.object[exc.start : exc.end]
            ctx.problem(
                (*at, "text"),
                f"the text cannot be written in {encoding}: "
                f"{bad!r} (position {exc.start}) does not exist in it",
            )
            return None
    return TextPart(tpl, encoding)
