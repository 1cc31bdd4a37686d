"""``not: MATCHER``: the frame does not match the matcher."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..payloads import Lookup, PathKey, Payload
from .anydata import AnyData
from .base import FrameChecker, FrameOnly, MatcherContext
from .outcomes import Matched, Mismatch


@dataclass(frozen=True, slots=True)
class Not(FrameOnly):
    """One frame that ``inner`` rejects."""

    FORM: ClassVar[str] = "not"

    inner: FrameChecker = field(default_factory=AnyData)

    def describe(self) -> str:
        """``not (M)`` as reports show it."""
        return f"not ({self.inner.describe()})" + self._until_text()

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """Accepted exactly when ``inner`` rejects the frame (its captures are not kept).

        A regex of ``inner`` that gave up rejects nothing: the check fails with its reason.
        """
        verdict = self.inner.check_frame(frame, lookup)
        if isinstance(verdict, Matched):
            return Mismatch(
                f"the message matches {self.inner.describe()}, and must not", len(frame)
            )
        if verdict.gave_up:
            # No answer is not a "no": accepting would pass whatever the frame holds.
            return Mismatch(verdict.reason, len(frame), gave_up=True)
        return Matched(len(frame))


def build(ctx: MatcherContext, value: dict[str, Any], at: PathKey, until: Payload | None) -> Not:
    """``{not: MATCHER}``."""
    return Not(until=until, inner=ctx.frame_matcher(value["not"], (*at, "not")))
