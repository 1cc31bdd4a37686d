"""``truncate: N``: send only the first N bytes of the connection's output, then close."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .actions import Action, Close, Write
from .base import STREAM, Duration, FaultError, FaultKind, PassThrough, Shaper, probability_of


@dataclass(frozen=True, slots=True)
class Truncate:
    """Close once ``limit`` bytes have been sent."""

    limit: int
    probability: float = 1.0

    def shaper(self, rng: random.Random) -> Shaper:
        return _Cutting(self.limit, lambda n: Close(f"truncate: closed after {n} bytes"))

    def describe(self) -> str:
        return f"truncate after {self.limit} bytes"


class _Cutting(PassThrough):
    """Counts the bytes sent; at the limit, sends the part that fits and ends the connection."""

    def __init__(self, limit: int, ending: Any) -> None:
        self.left = limit
        self.limit = limit
        self.ending = ending

    def write(self, data: bytes) -> list[Action]:
        if len(data) < self.left:
            self.left -= len(data)
            return [Write(data)]
        head = data[: self.left]
        self.left = 0
        return [*([Write(head)] if head else []), self.ending(self.limit)]


def count_of(value: Any, key: str) -> int:
    """A byte count (0 or more)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FaultError(f"{key} needs a number of bytes (0 or more), got {value!r}")
    return value


def build(value: Any, node: dict[str, Any], duration: Duration) -> Truncate:
    """``{truncate: 10}``."""
    return Truncate(count_of(value, "truncate"), probability_of(node))


KIND = FaultKind("truncate", STREAM, build)
