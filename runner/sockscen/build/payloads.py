"""Building a payload: a string, one part, or a list of them, each part by its YAML key."""

from __future__ import annotations

from typing import Any

from ..payloads import (
    PARTS,
    BytesPart,
    FilePart,
    PartContext,
    PartLike,
    PathKey,
    Payload,
    make_payload,
)
from ..payloads.file import MAX_PAYLOAD_FILE
from ..payloads.text import build_plain


def build_payload(ctx: PartContext, value: Any, at: PathKey) -> Payload:
    """The payload written at *at*; broken parts are left out after recording their problem."""
    if isinstance(value, list):
        parts = [build_part(ctx, v, (*at, i)) for i, v in enumerate(value)]
    else:
        parts = [build_part(ctx, value, at)]
    size = sum(_known_size(p) for p in parts)
    if size > MAX_PAYLOAD_FILE:
        # Each part is bounded, but a list of them is joined into one write at run time.
        ctx.problem(
            at,
            f"this payload's parts add up to {size} bytes, more than the "
            f"{MAX_PAYLOAD_FILE // (1024 * 1024)} MiB one payload may have",
            "send it in several steps",
        )
        return Payload(())
    try:
        return make_payload(tuple(p for p in parts if p is not None))
    except (
        UnicodeError,
        LookupError,
    ) as exc:  # pragma: no cover - parts were checked one by one
        ctx.problem(at, f"cannot encode the payload: {exc}")
        return Payload(())


def _known_size(part: PartLike | None) -> int:
    """The bytes a part will make, where known before run time (files by their size now)."""
    if isinstance(part, BytesPart):
        return len(part.data)
    if isinstance(part, FilePart):
        return part.size
    return 0


def build_part(ctx: PartContext, value: Any, at: PathKey) -> PartLike | None:
    """One part: a plain string, or a mapping told apart by its first known key."""
    if isinstance(value, str):
        return build_plain(ctx, value, at)
    for key, build in PARTS.items():
        if key in value:
            return build(ctx, value, at)
    raise AssertionError(f"schema let through payload {value!r}")  # pragma: no cover
