"""Payloads: the bytes a ``send`` writes and the bytes an exact ``expect`` wants.

One module per part kind; ``PARTS`` maps the YAML key that introduces a part
(``{hex: ...}``) to the function that builds it from the validated document.
A new part kind is one module plus one line here (plus its schema ``$def``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import b64, file, hexdigits, jsonvalue, text
from .b64 import Base64Part
from .base import (
    BytesPart,
    Lookup,
    PartContext,
    PartLike,
    PathKey,
    Payload,
    make_payload,
    render_part,
)
from .file import FILES, FilePart, FileReadError
from .hexdigits import HexPart
from .jsonvalue import JsonPart
from .text import TextPart

Part = TextPart | BytesPart | JsonPart | HexPart | Base64Part | FilePart

#: Builds one part from its mapping; None after recording a problem.
PartBuilder = Callable[[PartContext, dict[str, Any], PathKey], PartLike | None]

#: Part kinds by the YAML key that introduces them, in the order they are looked for.
PARTS: dict[str, PartBuilder] = {
    "text": text.build,
    "hex": hexdigits.build,
    "base64": b64.build,
    "file": file.build,
    "json": jsonvalue.build,
}


def bytes_payload(data: bytes) -> Payload:
    """A payload of fixed bytes (for tests and generated scenarios)."""
    return Payload((BytesPart(data, "bytes"),), data)


def text_payload(text: str, encoding: str = "utf-8") -> Payload:
    """A payload of fixed text."""
    from ..placeholders import static

    return make_payload((TextPart(static(text), encoding),))


__all__ = [
    "FILES",
    "PARTS",
    "Base64Part",
    "BytesPart",
    "FilePart",
    "FileReadError",
    "HexPart",
    "JsonPart",
    "Lookup",
    "Part",
    "PartBuilder",
    "PartContext",
    "PartLike",
    "PathKey",
    "Payload",
    "TextPart",
    "bytes_payload",
    "make_payload",
    "render_part",
    "text_payload",
]
