"""``contains`` matchers: one whole message in which a payload occurs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..payloads import Lookup, PathKey, Payload
from ..rendering import quote_bytes
from .base import FrameOnly, MatcherContext
from .outcomes import Matched, Mismatch


@dataclass(frozen=True, slots=True)
class Contains(FrameOnly):
    """One message in which ``needle`` occurs."""

    FORM: ClassVar[str] = "contains"

    needle: Payload = field(default_factory=lambda: Payload(()))

    def describe(self) -> str:
        """``a message containing X`` as reports show it."""
        shown = quote_bytes(self.needle.static) if self.needle.static is not None else "<payload>"
        return f"a message containing {shown}" + self._until_text()

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
