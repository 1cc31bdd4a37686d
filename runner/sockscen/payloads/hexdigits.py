"""``hex:`` parts: fixed bytes written as hex digit pairs (whitespace ignored)."""

from __future__ import annotations

from typing import Any

from .base import BytesPart, PartContext, PathKey, fixed_text


def build(ctx: PartContext, value: dict[str, Any], at: PathKey) -> BytesPart | None:
    """The bytes of ``{hex: ...}``; every digit is checked, and they must come in pairs."""
    at = (*at, "hex")
    text: str = value["hex"]
    if not fixed_text(ctx, text, at, "hex"):
        return None
    digits = "".join(text.split())
    for i, ch in enumerate(digits):
        if ch not in "0123456789abcdefABCDEF":
            ctx.problem(
                at, f"not hex: {ch!r} (hex digit {i + 1}); use 0-9 and a-f, spaces are ignored"
            )
            return None
    if len(digits) % 2:
        ctx.problem(at, f"hex digits come in pairs, but there are {len(digits)}")
        return None
    return BytesPart(bytes.fromhex(digits), "hex")
