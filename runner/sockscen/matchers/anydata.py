"""``any`` matchers: whatever arrives (also a matcher with nothing but ``until``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..payloads import Lookup, PathKey, Payload
from .base import MatcherBase, MatcherContext
from .outcomes import NEED_MORE, Matched, MatchOutcome, Mismatch


@dataclass(frozen=True, slots=True)
class AnyData(MatcherBase):
    """Anything: one frame, one datagram, or whatever is available (at least one byte)."""

    def describe(self) -> str:
        """``any data`` as reports show it."""
        return "any data" + self._until_text()

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        """Takes everything available, once there is at least one byte."""
        if buffer:
            return Matched(len(buffer))
        if eof:
            return Mismatch("the peer closed the connection before sending anything", 0)
        return NEED_MORE

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """Any frame."""
        return Matched(len(frame))


def build(
    ctx: MatcherContext, value: dict[str, Any], at: PathKey, until: Payload | None
) -> AnyData:
    """``{any: ...}`` or ``{until: ...}`` alone."""
    return AnyData(until=until)
