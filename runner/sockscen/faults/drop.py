"""``drop: P``: (datagrams) lose a datagram with probability P."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .actions import Action, Write
from .base import DATAGRAM, Duration, FaultKind, PassThrough, Shaper, probability_of


@dataclass(frozen=True, slots=True)
class Drop:
    """Lose each datagram with probability ``chance``."""

    chance: float
    probability: float = 1.0

    def shaper(self, rng: random.Random) -> Shaper:
        return _Dropping(self.chance, rng)

    def describe(self) -> str:
        return f"drop {self.chance:g}"


class _Dropping(PassThrough):
    def __init__(self, chance: float, rng: random.Random) -> None:
        self.chance = chance
        self.rng = rng

    def write(self, data: bytes) -> list[Action]:
        return [] if self.rng.random() < self.chance else [Write(data)]


def build(value: Any, node: dict[str, Any], duration: Duration) -> Drop:
    """``{drop: 0.1}``."""
    return Drop(probability_of({"drop": value}, "drop"), probability_of(node))


KIND = FaultKind("drop", DATAGRAM, build)
