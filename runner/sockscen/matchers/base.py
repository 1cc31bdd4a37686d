"""What every matcher shares: ``until``, its description, and what building one needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from ..payloads import Lookup, PartContext, PathKey, Payload
from ..rendering import quote_bytes
from .outcomes import Matched, MatchOutcome, Mismatch


class FrameChecker(Protocol):
    """What a matcher that checks another's frame (``all``, ``not``, ``length``) needs of it."""

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """Judge one whole message."""

    def describe(self) -> str:
        """The matcher as reports show it."""


class MatcherContext(PartContext, Protocol):
    """What a matcher's builder may ask of the scenario being built."""

    def payload(self, value: Any, at: PathKey) -> Payload:
        """The payload written at *at* (a string, a part or a list of them)."""

    def frame_matcher(self, value: Any, at: PathKey) -> FrameChecker:
        """The matcher written at *at*, to check a frame another matcher cuts (no ``until``)."""


@dataclass(frozen=True, slots=True)
class MatcherBase:
    """Fields every matcher has: ``until`` cuts a frame on an unframed stream."""

    until: Payload | None = None

    @property
    def needs_frame(self) -> bool:
        """True when the matcher can only judge a whole message (``contains``, ``json``)."""
        return False

    def size(self, lookup: Lookup) -> int | None:
        """How many bytes the matcher takes from an unframed stream, when that is fixed."""
        return None

    def delimiter(self, lookup: Lookup) -> bytes | None:
        """The ``until`` delimiter's bytes, None without one."""
        return None if self.until is None else self.until.render(lookup)

    def _until_text(self) -> str:
        if self.until is None or self.until.static is None:
            return "" if self.until is None else " until <delimiter>"
        return f" until {quote_bytes(self.until.static)}"


@dataclass(frozen=True, slots=True)
class FrameOnly(MatcherBase):
    """A matcher that can only judge a whole message: ``FORM`` names it in messages."""

    FORM: ClassVar[str] = ""

    @property
    def needs_frame(self) -> bool:
        """Always: only a whole message can be judged."""
        return True

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        """Never on a bare stream (the builder refuses it; this is the last word)."""
        return Mismatch(f"'{self.FORM}' needs framing or 'until' on a stream", 0)
