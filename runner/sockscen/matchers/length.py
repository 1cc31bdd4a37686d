"""``length`` matchers: any N bytes (on a frame: a frame of exactly N bytes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..payloads import Lookup, PathKey, Payload
from .base import MatcherBase, MatcherContext
from .outcomes import NEED_MORE, Matched, MatchOutcome, Mismatch


@dataclass(frozen=True, slots=True)
class Length(MatcherBase):
    """Any ``length`` bytes (on a frame: a frame of exactly that length)."""

    length: int = 0

    def describe(self) -> str:
        """``N bytes`` as reports show it."""
        return f"{self.length} bytes" + self._until_text()

    def size(self, lookup: Lookup) -> int | None:
        """Always ``length``."""
        return self.length

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        """Takes the first ``length`` bytes once they are there."""
        if len(buffer) >= self.length:
            return Matched(self.length)
        if eof:
            return Mismatch(
                f"the peer closed the connection after {len(buffer)} of {self.length} bytes",
                len(buffer),
            )
        return NEED_MORE

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """The frame must have exactly ``length`` bytes."""
        if len(frame) == self.length:
            return Matched(len(frame))
        return Mismatch(
            f"received a {len(frame)}-byte message, expected {self.length} bytes", len(frame)
        )


def build(ctx: MatcherContext, value: dict[str, Any], at: PathKey, until: Payload | None) -> Length:
    """``{length: N}``."""
    return Length(until=until, length=int(value["length"]))
