"""``base64:`` parts: fixed bytes written in base64 (whitespace ignored)."""

from __future__ import annotations

from typing import Any

from .base import BytesPart, PartContext, PathKey, fixed_text


def build(ctx: PartContext, value: dict[str, Any], at: PathKey) -> BytesPart | None:
    """The bytes of ``{base64: ...}``, strictly decoded."""
    import base64  # only when a scenario is built: keeps it off the start-up path
    import binascii

    at = (*at, "base64")
    text: str = value["base64"]
    if not fixed_text(ctx, text, at, "base64"):
        return None
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        ctx.problem(at, f"invalid base64: {exc}")
        return None
    return BytesPart(data, "base64")
