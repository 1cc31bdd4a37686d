"""Payloads: the bytes a ``send`` writes and the bytes an exact ``expect`` wants.

A payload is a sequence of parts (text in an encoding, raw bytes from hex /
base64 / a file, or a JSON value).  Parts without placeholders are rendered
once when the scenario is built; ``render`` is then a dictionary-free return
of cached bytes, which keeps the per-step cost of the engine low.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .placeholders import Ref, Template

#: How a payload asks for a placeholder's value.
Lookup = Callable[[Ref], str]


@dataclass(frozen=True, slots=True)
class TextPart:
    """A string (possibly with placeholders) encoded with ``encoding``."""

    text: Template
    encoding: str = "utf-8"


@dataclass(frozen=True, slots=True)
class BytesPart:
    """Fixed bytes; ``source`` says where they came from (``hex``, ``base64``, ``file``)."""

    data: bytes
    source: str


@dataclass(frozen=True, slots=True)
class JsonPart:
    """A JSON value; strings inside it may hold placeholders (``Template`` leaves)."""

    value: Any


Part = TextPart | BytesPart | JsonPart


@dataclass(frozen=True, slots=True)
class Payload:
    """The concatenation of ``parts``; ``static`` holds the bytes when nothing needs expanding."""

    parts: tuple[Part, ...]
    static: bytes | None = field(default=None, compare=False)

    def render(self, lookup: Lookup) -> bytes:
        """The payload's bytes, placeholders expanded through *lookup*.

        Raises ``PlaceholderError`` (from *lookup*) for an unknown reference,
        ``UnicodeEncodeError`` when text does not fit its encoding.
        """
        if self.static is not None:
            return self.static
        return b"".join(render_part(p, lookup) for p in self.parts)


def render_part(part: Part, lookup: Lookup) -> bytes:
    """The bytes of one part."""
    if isinstance(part, BytesPart):
        return part.data
    if isinstance(part, TextPart):
        # Regex captures are decoded as UTF-8 with surrogateescape; encoding with
        # surrogateescape gives a captured non-UTF-8 byte back as that same byte, in
        # any encoding.  Real characters the encoding lacks still raise.
        return part.text.expand(lookup).encode(part.encoding, "surrogateescape")
    return json.dumps(
        _expand_json(part.value, lookup), separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8", "surrogateescape")


def _expand_json(value: Any, lookup: Lookup) -> Any:
    if isinstance(value, Template):
        return value.expand(lookup)
    if isinstance(value, dict):
        return {k: _expand_json(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_json(v, lookup) for v in value]
    return value


def _json_is_static(value: Any) -> bool:
    if isinstance(value, Template):
        return value.is_static
    if isinstance(value, dict):
        return all(_json_is_static(v) for v in value.values())
    if isinstance(value, list):
        return all(_json_is_static(v) for v in value)
    return True


def _no_lookup(ref: Ref) -> str:  # pragma: no cover - only reached if is_static lied
    raise AssertionError(f"static payload asked for {ref.text}")


def make_payload(parts: tuple[Part, ...]) -> Payload:
    """Build a payload, pre-rendering it when it has no placeholders.

    Raises ``UnicodeEncodeError``/``LookupError`` for text that does not fit its
    encoding or an unknown encoding, so the builder can report it with a location.
    """
    for p in parts:
        if isinstance(p, TextPart) and not p.text.is_static:
            return Payload(parts)
        if isinstance(p, JsonPart) and not _json_is_static(p.value):
            return Payload(parts)
    return Payload(parts, b"".join(render_part(p, _no_lookup) for p in parts))


def bytes_payload(data: bytes) -> Payload:
    """A payload of fixed bytes (for tests and generated scenarios)."""
    return Payload((BytesPart(data, "bytes"),), data)


def text_payload(text: str, encoding: str = "utf-8") -> Payload:
    """A payload of fixed text."""
    from .placeholders import static

    return make_payload((TextPart(static(text), encoding),))
