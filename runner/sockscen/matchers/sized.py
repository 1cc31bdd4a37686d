"""``length`` beside another matcher: it cuts a frame of N bytes, the other matcher checks it.

``{length: "${n}", json: {...}}`` reads an HTTP body by its ``Content-Length``;
on a framed connection or a datagram the frame must have N bytes and pass the
other matcher.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..payloads import Lookup
from .base import FrameChecker, MatcherBase
from .length import Length
from .outcomes import NEED_MORE, Matched, MatchOutcome, Mismatch


@dataclass(frozen=True, slots=True)
class Sized(MatcherBase):
    """A frame of ``length`` bytes, checked by ``inner``."""

    length: Length = field(default_factory=Length)
    inner: FrameChecker = field(default_factory=Length)

    def describe(self) -> str:
        """``N bytes: INNER`` as reports show it."""
        return f"{self.length.shown()}: {self.inner.describe()}"

    def size(self, lookup: Lookup) -> int | None:
        """The length."""
        return self.length.count(lookup)

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        """Waits for N bytes, then lets ``inner`` judge them."""
        n = self.length.count(lookup)
        if len(buffer) < n:
            if eof:
                return Mismatch(
                    f"the peer closed the connection after {len(buffer)} of {n} bytes",
                    len(buffer),
                )
            return NEED_MORE
        verdict = self.inner.check_frame(bytes(buffer[:n]), lookup)
        if isinstance(verdict, Mismatch):
            reason = f"in the {n} bytes read: {verdict.reason}"
            return dataclasses.replace(verdict, reason=reason, shown=n)
        return Matched(n, verdict.captures)

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """The frame must have N bytes and pass ``inner``."""
        verdict = self.length.check_frame(frame, lookup)
        if isinstance(verdict, Mismatch):
            return verdict
        return self.inner.check_frame(frame, lookup)
