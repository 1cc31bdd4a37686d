"""``length`` matchers: any N bytes (on a frame: a frame of exactly N bytes).

N is a number or text with placeholders that expands to a decimal integer
when the step runs (a ``Content-Length`` captured a step earlier).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..payloads import Lookup, PathKey, Payload
from ..placeholders import PlaceholderError, Template
from .base import MatcherBase, MatcherContext
from .outcomes import NEED_MORE, Matched, MatchOutcome, Mismatch

#: The largest length a scenario may name (as the schema's maximum).
MAX_LENGTH = 4294967296


@dataclass(frozen=True, slots=True)
class Length(MatcherBase):
    """Any ``length`` bytes (on a frame: a frame of exactly that length).

    ``dynamic`` is the text of a length written with placeholders; ``length``
    is then unused.
    """

    length: int = 0
    dynamic: Template | None = None

    def count(self, lookup: Lookup) -> int:
        """The length, placeholders expanded; ``PlaceholderError`` when it is not a count."""
        if self.dynamic is None:
            return self.length
        text = self.dynamic.expand(lookup)
        digits = text.strip()
        if not digits.isascii() or not digits.isdigit() or int(digits) > MAX_LENGTH:
            refs = ", ".join(ref.text for ref in self.dynamic.refs)
            raise PlaceholderError(
                f"length {self.dynamic.source!r} expands to {text!r} ({refs}), "
                f"which is not a byte count (a decimal integer from 0 to {MAX_LENGTH})"
            )
        return int(digits)

    def shown(self) -> str:
        """``N bytes`` or ``${n} bytes`` as reports show it."""
        return f"{self.length if self.dynamic is None else self.dynamic.source} bytes"

    def describe(self) -> str:
        """``N bytes`` as reports show it."""
        return self.shown() + self._until_text()

    def size(self, lookup: Lookup) -> int | None:
        """Always the length."""
        return self.count(lookup)

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        """Takes the first ``length`` bytes once they are there."""
        n = self.length if self.dynamic is None else self.count(lookup)
        if len(buffer) >= n:
            return Matched(n)
        if eof:
            return Mismatch(
                f"the peer closed the connection after {len(buffer)} of {n} bytes", len(buffer)
            )
        return NEED_MORE

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """The frame must have exactly ``length`` bytes."""
        n = self.count(lookup)
        if len(frame) == n:
            return Matched(len(frame))
        return Mismatch(f"received a {len(frame)}-byte message, expected {n} bytes", len(frame))


def build_length(ctx: MatcherContext, value: int | str, at: PathKey) -> Length:
    """The ``length`` written at *at*: a number, or text expanding to one."""
    if isinstance(value, int):
        return Length(length=value)
    tpl = ctx.template(value, at)
    if tpl.is_static:
        text = tpl.static_value.strip()
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_LENGTH:
            ctx.problem(
                at,
                f"length {value!r} is not a byte count",
                f"write a number from 0 to {MAX_LENGTH}, or a placeholder such as ${{n}} "
                "that holds one when the step runs",
            )
            return Length()
        return Length(length=int(text))
    return Length(dynamic=tpl)


def build(ctx: MatcherContext, value: dict[str, Any], at: PathKey, until: Payload | None) -> Length:
    """``{length: N}`` (N a number or a placeholder)."""
    built = build_length(ctx, value["length"], (*at, "length"))
    return Length(until=until, length=built.length, dynamic=built.dynamic)
