"""``base64:`` parts: bytes written in base64 (whitespace ignored), placeholders allowed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..placeholders import PlaceholderError, Template
from .base import BytesPart, Lookup, PartContext, PathKey, expand_naming


def decode(text: str) -> bytes:
    """Strictly decoded base64; raises ``ValueError`` (``binascii.Error``) when it is not."""
    import base64  # only when a scenario is built: keeps it off the start-up path

    return base64.b64decode("".join(text.split()), validate=True)


@dataclass(frozen=True, slots=True)
class Base64Part:
    """Base64 text with placeholders, decoded when the step runs."""

    text: Template

    @property
    def is_static(self) -> bool:
        """Never: the text has placeholders."""
        return False

    def render(self, lookup: Lookup) -> bytes:
        """The decoded bytes; ``PlaceholderError`` names the values when the text is not base64."""
        expanded = expand_naming(self.text, lookup)
        try:
            return decode(expanded.text)
        except ValueError as exc:
            raise PlaceholderError(
                f"base64 with {expanded.named} expands to {expanded.text!r}, "
                f"which is not base64: {exc}"
            ) from None


def build(ctx: PartContext, value: dict[str, Any], at: PathKey) -> BytesPart | Base64Part | None:
    """The bytes of ``{base64: ...}``, strictly decoded (with placeholders: when the step runs)."""
    at = (*at, "base64")
    tpl = ctx.template(value["base64"], at)
    if not tpl.is_static:
        return Base64Part(tpl)
    try:
        data = decode(tpl.static_value)
    except ValueError as exc:
        ctx.problem(at, f"invalid base64: {exc}")
        return None
    return BytesPart(data, "base64")
