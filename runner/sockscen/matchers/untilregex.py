"""``until: {regex: R}``: the frame ends where the first match of R in the unread data ends.

The match is part of the frame (an SMTP reply's last line ``250 OK\\r\\n`` is
part of the reply).  The unread data is searched afresh as it grows, so a
match that starts early but needed more data is found as soon as it is
complete; like ``expect``'s patterns, R should end in something unambiguous
(``\\r\\n``): a match is taken as soon as one is found.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..payloads import Lookup
from ..regexes import GaveUp
from .base import FrameChecker, MatcherBase
from .outcomes import NEED_MORE, Matched, MatchOutcome, Mismatch, captures
from .regex import Regex


@dataclass(frozen=True, slots=True)
class UntilRegex(MatcherBase):
    """The data up to the end of the first match of ``cut``, checked by ``inner``.

    ``inner`` is None when nothing else is checked.  Named groups of ``cut``
    become variables too.
    """

    cut: Regex = field(default_factory=Regex)
    inner: FrameChecker | None = None

    def describe(self) -> str:
        """``INNER until regex /R/`` as reports show it."""
        head = "any data" if self.inner is None else self.inner.describe()
        return f"{head} until regex /{self.cut.pattern.source}/"

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        """Cuts at the end of the first match, then lets ``inner`` judge the frame."""
        found = self.cut.run(lookup).search(buffer)
        if isinstance(found, GaveUp):
            return Mismatch(found.reason, len(buffer), gave_up=True)
        if found is None:
            if eof:
                return Mismatch(
                    "the peer closed the connection before the until regex matched", len(buffer)
                )
            return NEED_MORE
        end = found.end()
        got = captures(found)
        if self.inner is not None:
            verdict = self.inner.check_frame(bytes(buffer[:end]), lookup)
            if isinstance(verdict, Mismatch):
                return dataclasses.replace(verdict, shown=end)
            got.update(verdict.captures)
        return Matched(end, got)

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """A whole message (process output): it must end with a match, and pass ``inner``."""
        found = self.cut.run(lookup).search(frame)
        if isinstance(found, GaveUp):
            return Mismatch(found.reason, len(frame), gave_up=True)
        if found is None:
            return Mismatch("the until regex does not match the message", len(frame))
        got = captures(found)
        if self.inner is not None:
            verdict = self.inner.check_frame(frame, lookup)
            if isinstance(verdict, Mismatch):
                return verdict
            got.update(verdict.captures)
        return Matched(len(frame), got)
