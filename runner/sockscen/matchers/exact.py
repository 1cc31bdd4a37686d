"""Exact matchers (a string, ``text``, ``hex``, ``base64``, ``file`` or a list of them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..payloads import Lookup, PathKey, Payload
from ..rendering import plural, quote_bytes
from .base import MatcherBase, MatcherContext
from .outcomes import NEED_MORE, Matched, MatchOutcome, Mismatch


@dataclass(frozen=True, slots=True)
class Exact(MatcherBase):
    """Exactly these bytes (text, hex, base64, file or a list of them)."""

    payload: Payload = field(default_factory=lambda: Payload(()))

    def expected(self, lookup: Lookup) -> bytes:
        """The bytes wanted, placeholders expanded."""
        return self.payload.render(lookup)

    def size(self, lookup: Lookup) -> int | None:
        """The length of the expected bytes."""
        return len(self.payload.render(lookup))

    def describe(self) -> str:
        """The expected bytes as reports show them."""
        shown = quote_bytes(self.payload.static) if self.payload.static is not None else "<payload>"
        return shown + self._until_text()

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        """Fails at the first differing byte instead of waiting for the timeout."""
        want = self.payload.render(lookup)
        if buffer.startswith(want):  # the common case, without copying or slicing
            return Matched(len(want))
        n = len(want)
        if not buffer:  # the other common case: nothing has arrived yet
            if eof:
                return Mismatch(f"the peer closed the connection after 0 of {n} expected bytes", 0)
            return NEED_MORE
        have = min(len(buffer), n)
        # Bytes before *checked* were compared on an earlier call: comparing only
        # the new ones keeps a multi-megabyte expectation linear, not quadratic.
        start = min(checked, have)
        if memoryview(buffer)[start:have] != want[start:have]:
            first_diff = next(i for i in range(start, have) if buffer[i] != want[i])
            return Mismatch(f"different bytes at offset {first_diff}", min(len(buffer), max(n, 1)))
        if have == n:
            return Matched(n)
        if eof:
            return Mismatch(
                f"the peer closed the connection after {have} of {n} expected bytes", have
            )
        return NEED_MORE

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """The whole frame must be the expected bytes."""
        want = self.payload.render(lookup)
        if frame == want:
            return Matched(len(frame))
        if len(frame) != len(want) and (frame.startswith(want) or want.startswith(frame)):
            return Mismatch(
                f"received {plural(len(frame), 'byte')}, expected {len(want)}", len(frame)
            )
        return Mismatch("different bytes", len(frame))


def build(ctx: MatcherContext, value: dict[str, Any], at: PathKey, until: Payload | None) -> Exact:
    """``{text|hex|base64|file: ...}``, possibly with ``until``: the payload is the rest."""
    exact = {k: v for k, v in value.items() if k != "until"}
    return Exact(until=until, payload=ctx.payload(exact, at))
