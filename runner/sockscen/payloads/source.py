"""A payload shown as it was written (its parts), for a report's one-line headline.

The expanded bytes are shown once, in the failure's evidence; a headline that
repeated them would be unreadable for a large list payload.
"""

from __future__ import annotations

from ..rendering import plural, quote_bytes
from .b64 import Base64Part
from .base import BytesPart, Payload
from .hexdigits import HexPart
from .jsonvalue import JsonPart
from .text import TextPart

#: Characters of a text part shown in a headline before it is elided.
TEXT_SHOWN = 40


def describe_source(payload: Payload) -> str:
    """``[{hex: 48 bytes}, "get k\\r\\n", {base64: 24 bytes}]``: one short item per part."""
    shown: list[str] = []
    for part in payload.parts:
        if isinstance(part, TextPart):
            text = part.text.source
            encoded = text.encode("utf-8", "surrogateescape")
            shown.append(quote_bytes(encoded, TEXT_SHOWN))
        elif isinstance(part, BytesPart):
            shown.append(f"{{{part.source}: {plural(len(part.data), 'byte')}}}")
        elif isinstance(part, HexPart):
            shown.append(f"{{hex: {quote_bytes(part.text.source.encode(), TEXT_SHOWN)}}}")
        elif isinstance(part, Base64Part):
            shown.append(f"{{base64: {quote_bytes(part.text.source.encode(), TEXT_SHOWN)}}}")
        elif isinstance(part, JsonPart):
            shown.append("{json: ...}")
        else:  # pragma: no cover - a new part kind shows its class until it says more
            shown.append(type(part).__name__)
    return "[" + ", ".join(shown) + "]"
