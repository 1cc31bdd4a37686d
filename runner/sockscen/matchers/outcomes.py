"""What a matcher says about the data it looked at: matched, need more, or mismatch."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..regexes import Found


@dataclass(frozen=True, slots=True)
class Matched:
    """The expectation is met by the first ``consumed`` bytes.

    ``captures`` are the regex named groups that matched, decoded as UTF-8 with
    surrogateescape so any bytes round-trip through a later payload.
    """

    consumed: int
    captures: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NeedMore:
    """Not decided yet: wait for more data (or EOF)."""


@dataclass(frozen=True, slots=True)
class Mismatch:
    """The data does not meet the expectation.

    ``reason`` is a short sentence; ``shown`` how many bytes of the buffer are
    the evidence (for a frame check, the whole frame); ``gave_up`` below.
    """

    reason: str
    shown: int
    #: The verdict is no verdict: a regex gave up (it backtracks catastrophically), so
    #: whatever wraps this matcher (``not``, a rule server) must fail, not decide.
    gave_up: bool = False


NEED_MORE = NeedMore()
MatchOutcome = Matched | NeedMore | Mismatch


def captures(m: Found[bytes]) -> dict[str, str]:
    """The named groups of *m* that took part in the match, as text."""
    return {
        k: v.decode("utf-8", "surrogateescape") for k, v in m.groupdict().items() if v is not None
    }
