"""``throttle: RATE``: at most RATE bytes per second (``10KiB/s``, ``500B/s``).

Each write is cut into pieces of a tenth of a second's worth, each sent
after waiting the time it takes at that rate: smooth, and decided without
reading a clock (so a plan stays pure and replayable).  A datagram is never
cut (its pieces would be datagrams of their own): it waits its whole time,
then goes out whole.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from .actions import Action, Wait, Write
from .base import BOTH, Duration, FaultError, FaultKind, PassThrough, Shaper, probability_of

_RATE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*/\s*s\s*")
_UNITS = {
    None: 1,
    "B": 1,
    "KB": 1000,
    "KiB": 1024,
    "MB": 1000**2,
    "MiB": 1024**2,
    "GB": 1000**3,
    "GiB": 1024**3,
}


def parse_rate(value: Any) -> float:
    """Bytes per second from ``10KiB/s``, ``500B/s`` or a plain number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        rate = float(value)
    else:
        match = _RATE.fullmatch(str(value))
        if match is None:
            raise FaultError(f"throttle needs a rate such as 10KiB/s or 500B/s, got {value!r}")
        rate = float(match.group(1)) * _UNITS[match.group(2)]
    if rate <= 0:
        raise FaultError(f"throttle needs a rate above 0, got {value!r}")
    return rate


@dataclass(frozen=True, slots=True)
class Throttle:
    """At most ``rate`` bytes per second."""

    rate: float
    probability: float = 1.0

    def shaper(self, rng: random.Random) -> Shaper:
        return _Throttling(self.rate)

    def datagram_shaper(self, rng: random.Random) -> Shaper:
        """The shaper of a datagram socket: each datagram delayed whole, never cut."""
        return _Throttling(self.rate, whole=True)

    def describe(self) -> str:
        return f"throttle {self.rate:g}B/s"


class _Throttling(PassThrough):
    def __init__(self, rate: float, *, whole: bool = False) -> None:
        self.rate = rate
        self.piece = max(1, int(rate / 10))
        self.whole = whole

    def write(self, data: bytes) -> list[Action]:
        if self.whole:
            return [Wait(len(data) / self.rate, "throttle"), Write(data)]
        actions: list[Action] = []
        for start in range(0, max(len(data), 1), self.piece):
            piece = data[start : start + self.piece]
            actions.append(Wait(len(piece) / self.rate, "throttle"))
            actions.append(Write(piece))
        return actions


def build(value: Any, node: dict[str, Any], duration: Duration) -> Throttle:
    """``{throttle: 10KiB/s}``."""
    return Throttle(parse_rate(value), probability_of(node))


KIND = FaultKind("throttle", BOTH, build)
