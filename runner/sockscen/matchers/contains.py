"""``contains`` matchers: one whole message in which a payload occurs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..payloads import Lookup, PathKey, Payload
from ..rendering import quote_bytes
from .base import MatcherBase, MatcherContext
from .outcomes import Matched, MatchOutcome, Mismatch


@dataclass(frozen=True, slots=True)
class Contains(MatcherBase):
    """One message in which ``needle`` occurs."""

    needle: Payload = field(default_factory=lambda: Payload(()))

    @property
    def needs_frame(self) -> bool:
        """Always: only a whole message can be searched."""
        return True

    def describe(self) -> str:
        """``a message containing X`` as reports show it."""
        shown = quote_bytes(self.needle.static) if self.needle.static is not None else "<payload>"
        return f"a message containing {shown}" + self._until_text()

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        """Never on a bare stream (the builder refuses it; this is the last word)."""
        return Mismatch("'contains' needs framing or 'until' on a stream", 0)

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """The needle must occur in the frame."""
        needle = self.needle.render(lookup)
        if needle in frame:
            return Matched(len(frame))
        return Mismatch(f"the message does not contain {quote_bytes(needle)}", len(frame))


def build(
    ctx: MatcherContext, value: dict[str, Any], at: PathKey, until: Payload | None
) -> Contains:
    """``{contains: PAYLOAD}``."""
    return Contains(until=until, needle=ctx.payload(value["contains"], (*at, "contains")))
