"""``${...}`` placeholders: parsed once into a ``Template``, expanded many times.

Pure string logic.  What a reference *means* (a server's port, a variable, an
environment variable) is decided by whoever supplies the lookup function;
here we only split text into literal pieces and references.

Syntax: ``${name}`` or ``${a.b.c}`` (dot-separated names of letters, digits,
``_`` and ``-``); ``$${`` is a literal ``${``; a ``$`` not followed by ``{`` is
literal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .rendering import quoted

_NAME = r"[A-Za-z_][A-Za-z0-9_\-]*"
_REF = re.compile(r"\$\$\{|\$\{(" + _NAME + r"(?:\." + _NAME + r")*)\}|\$\{")


#: The most characters a text may expand to (as for a ``file:`` payload): a 1 MB capture
#: written a thousand times in one step is a mistake, not a payload.
MAX_EXPANDED = 256 * 1024 * 1024


class PlaceholderError(ValueError):
    """Raised for a malformed placeholder, or by a lookup for an unknown reference."""


@dataclass(frozen=True, slots=True)
class Ref:
    """One ``${a.b.c}`` reference; ``path`` is ``("a", "b", "c")``."""

    path: tuple[str, ...]

    @property
    def text(self) -> str:
        return "${" + ".".join(self.path) + "}"

    @property
    def head(self) -> str:
        return self.path[0]


@dataclass(frozen=True, slots=True)
class Template:
    """A string with placeholders, split into literal ``str`` pieces and ``Ref``s."""

    source: str
    parts: tuple[str | Ref, ...]

    @property
    def is_static(self) -> bool:
        """True when there is nothing to expand (escapes already resolved)."""
        return all(isinstance(p, str) for p in self.parts)

    @property
    def static_value(self) -> str:
        """The text of a static template; raises ``PlaceholderError`` otherwise."""
        if not self.is_static:
            raise PlaceholderError(f"{self.source!r} has placeholders")
        return "".join(p for p in self.parts if isinstance(p, str))

    @property
    def refs(self) -> Iterator[Ref]:
        return (p for p in self.parts if isinstance(p, Ref))

    def literal_prefix(self) -> str:
        """The literal text before the first placeholder (used to see a scheme early)."""
        out = []
        for p in self.parts:
            if not isinstance(p, str):
                break
            out.append(p)
        return "".join(out)

    def expand(self, lookup: Callable[[Ref], str]) -> str:
        """Replace every reference by ``lookup(ref)``; lookups may raise ``PlaceholderError``.

        Raises ``PlaceholderError`` too when the result would pass ``MAX_EXPANDED``
        characters (a captured value repeated many times), before it is made.
        """
        if len(self.parts) == 1 and isinstance(self.parts[0], str):
            return self.parts[0]
        pieces = [p if isinstance(p, str) else lookup(p) for p in self.parts]
        size = sum(map(len, pieces))
        if size > MAX_EXPANDED:
            raise PlaceholderError(
                f"{quoted(self.source)} expands to {size} characters, more than the "
                f"{MAX_EXPANDED} (256 MiB) a value may have"
            )
        return "".join(pieces)

    def __str__(self) -> str:
        return self.source


def parse_template(text: str) -> Template:
    """Split *text* into a ``Template``.

    Raises ``PlaceholderError`` for ``${`` not followed by a valid name and ``}``.
    """
    parts: list[str | Ref] = []
    literal: list[str] = []
    pos = 0
    for m in _REF.finditer(text):
        literal.append(text[pos : m.start()])
        pos = m.end()
        token = m.group(0)
        if token == "$${":
            literal.append("${")
        elif m.group(1) is not None:
            before = "".join(literal)
            if before:
                parts.append(before)
            literal = []
            parts.append(Ref(tuple(m.group(1).split("."))))
        else:
            end = text.find("}", m.start())
            shown = text[m.start() : end + 1] if end >= 0 else text[m.start() :]
            raise PlaceholderError(
                f"malformed placeholder {shown!r}: write ${{name}} or ${{server.port}}, "
                "or $${ for a literal ${"
            )
    literal.append(text[pos:])
    tail = "".join(literal)
    if tail or not parts:
        parts.append(tail)
    # Literals are joined before each reference, so no two str parts are adjacent
    # and no part is empty (except the single part of an empty text).
    return Template(text, tuple(parts))


def static(text: str) -> Template:
    """A template holding *text* literally (no placeholder parsing)."""
    return Template(text, (text,))
