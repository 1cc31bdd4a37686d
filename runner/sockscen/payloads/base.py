"""What every payload part shares: the ``Payload`` they make up, and what building one needs.

A payload is a sequence of parts (text in an encoding, raw bytes from hex /
base64 / a file, or a JSON value), each part kind in its own module.  Parts
without placeholders are rendered once when the scenario is built; ``render``
is then a dictionary-free return of cached bytes, which keeps the per-step
cost of the engine low.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ..errors import Location
from ..placeholders import Ref, Template

#: How a payload asks for a placeholder's value.
Lookup = Callable[[Ref], str]
#: Where a value sits in its YAML document: mapping keys and sequence indexes.
PathKey = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Expansion:
    """A template's text with its placeholders expanded, and the value each one gave."""

    text: str
    values: dict[Ref, str]

    @property
    def named(self) -> str:
        """``${a} = 'x', ${b} = 'y'``: the values, as messages about the text name them."""
        return ", ".join(f"{ref.text} = {value!r}" for ref, value in self.values.items())


def expand_naming(text: Template, lookup: Lookup) -> Expansion:
    """*text* expanded through *lookup*, each value kept for a message about what it made."""
    values: dict[Ref, str] = {}

    def remember(ref: Ref) -> str:
        values[ref] = lookup(ref)
        return values[ref]

    return Expansion(text.expand(remember), values)


class PartLike(Protocol):
    """What a payload needs of each of its parts."""

    @property
    def is_static(self) -> bool:
        """True when the part's bytes need no placeholder value."""

    def render(self, lookup: Lookup) -> bytes:
        """The part's bytes, placeholders expanded through *lookup*."""


class PartContext(Protocol):
    """What a kind's builder may ask of the scenario being built (``build.Context`` is one)."""

    @property
    def directory(self) -> str:
        """The absolute folder of the scenario file, the base of relative paths."""

    def problem(
        self, at: PathKey, message: str, hint: str | None = None, *, key: bool = False
    ) -> None:
        """Record a problem on the value at *at* (on its key with *key*)."""

    def loc(self, at: PathKey) -> Location:
        """Where the value at *at* is in the file."""

    def template(self, text: str, at: PathKey, *, listen: bool = False) -> Template:
        """*text* parsed as a template, each placeholder checked against the scenario."""


@dataclass(frozen=True, slots=True)
class BytesPart:
    """Fixed bytes; ``source`` says where they came from (``hex``, ``base64``, ``file``)."""

    data: bytes
    source: str

    @property
    def is_static(self) -> bool:
        """Always: the bytes were fixed when the scenario was loaded."""
        return True

    def render(self, lookup: Lookup) -> bytes:
        """The bytes themselves."""
        return self.data


@dataclass(frozen=True, slots=True)
class Payload:
    """The concatenation of ``parts``; ``static`` holds the bytes when nothing needs expanding."""

    parts: tuple[PartLike, ...]
    static: bytes | None = field(default=None, compare=False)

    def render(self, lookup: Lookup) -> bytes:
        """The payload's bytes, placeholders expanded through *lookup*.

        Raises ``PlaceholderError`` (from *lookup*) for an unknown reference,
        ``UnicodeEncodeError`` when text does not fit its encoding.
        """
        if self.static is not None:
            return self.static
        return b"".join(p.render(lookup) for p in self.parts)


def render_part(part: PartLike, lookup: Lookup) -> bytes:
    """The bytes of one part."""
    return part.render(lookup)


def _no_lookup(ref: Ref) -> str:  # pragma: no cover - only reached if is_static lied
    raise AssertionError(f"static payload asked for {ref.text}")


def make_payload(parts: tuple[PartLike, ...]) -> Payload:
    """Build a payload, pre-rendering it when it has no placeholders.

    Raises ``UnicodeEncodeError``/``LookupError`` for text that does not fit its
    encoding or an unknown encoding, so the builder can report it with a location.
    """
    if all(p.is_static for p in parts):
        return Payload(parts, b"".join(p.render(_no_lookup) for p in parts))
    return Payload(parts)


def fixed_text(ctx: PartContext, text: str, at: PathKey, form: str) -> bool:
    """False (with a problem) when a fixed-bytes form (hex, base64, file) holds a placeholder."""
    if "${" in text.replace("$${", ""):
        ctx.problem(
            at,
            f"placeholders are not expanded in {form}: (its bytes are fixed when the "
            "scenario is loaded)",
            "use text: for bytes that depend on a placeholder",
        )
        return False
    return True
