"""``duplicate: P``: (datagrams) send a datagram twice with probability P."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .actions import Action, Write
from .base import DATAGRAM, Duration, FaultKind, PassThrough, Shaper, probability_of


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Send each datagram twice with probability ``chance``."""

    chance: float
    probability: float = 1.0

    def shaper(self, rng: random.Random) -> Shaper:
        return _Duplicating(self.chance, rng)

    def describe(self) -> str:
        return f"duplicate {self.chance:g}"


class _Duplicating(PassThrough):
    def __init__(self, chance: float, rng: random.Random) -> None:
        self.chance = chance
        self.rng = rng

    def write(self, data: bytes) -> list[Action]:
        if self.rng.random() < self.chance:
            return [Write(data), Write(data, "duplicate")]
        return [Write(data)]


def build(value: Any, node: dict[str, Any], duration: Duration) -> Duplicate:
    """``{duplicate: 0.1}``."""
    return Duplicate(probability_of({"duplicate": value}, "duplicate"), probability_of(node))


KIND = FaultKind("duplicate", DATAGRAM, build)
