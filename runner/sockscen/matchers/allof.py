"""``all: [MATCHER, ...]``: every matcher checks the same frame; all their captures are kept.

HTTP headers in any order: ``{until: "\\r\\n\\r\\n", all: [{contains: A}, {contains: B}]}``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from ..payloads import Lookup, PathKey, Payload
from .base import FrameChecker, FrameOnly, MatcherContext
from .outcomes import Matched, Mismatch


@dataclass(frozen=True, slots=True)
class AllOf(FrameOnly):
    """One frame that every matcher of ``matchers`` accepts."""

    FORM: ClassVar[str] = "all"

    matchers: tuple[FrameChecker, ...] = ()

    def describe(self) -> str:
        """``all of (A; B)`` as reports show it."""
        inner = "; ".join(m.describe() for m in self.matchers)
        return f"all of ({inner})" + self._until_text()

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """Every matcher must accept the frame; the first that does not is the reason."""
        got: dict[str, str] = {}
        for i, matcher in enumerate(self.matchers, 1):
            verdict = matcher.check_frame(frame, lookup)
            if isinstance(verdict, Mismatch):
                # As the inner verdict (whether it gave up, say), with this matcher's reason.
                reason = f"check {i} of all ({matcher.describe()}): {verdict.reason}"
                return dataclasses.replace(verdict, reason=reason, shown=len(frame))
            got.update(verdict.captures)
        return Matched(len(frame), got)


def build(ctx: MatcherContext, value: dict[str, Any], at: PathKey, until: Payload | None) -> AllOf:
    """``{all: [MATCHER, ...]}``."""
    at = (*at, "all")
    items = tuple(ctx.frame_matcher(item, (*at, i)) for i, item in enumerate(value["all"]))
    return AllOf(until=until, matchers=items)
