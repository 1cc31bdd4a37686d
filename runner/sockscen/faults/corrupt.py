"""``corrupt: P``: (datagrams) flip one byte of a datagram with probability P."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .actions import Action, Write
from .base import DATAGRAM, Duration, FaultKind, PassThrough, Shaper, probability_of


@dataclass(frozen=True, slots=True)
class Corrupt:
    """Invert every bit of one byte, chosen at random, with probability ``chance``."""

    chance: float
    probability: float = 1.0

    def shaper(self, rng: random.Random) -> Shaper:
        return _Corrupting(self.chance, rng)

    def describe(self) -> str:
        return f"corrupt {self.chance:g}"


class _Corrupting(PassThrough):
    def __init__(self, chance: float, rng: random.Random) -> None:
        self.chance = chance
        self.rng = rng

    def write(self, data: bytes) -> list[Action]:
        if not data or self.rng.random() >= self.chance:
            return [Write(data)]
        at = self.rng.randrange(len(data))
        flipped = bytearray(data)
        flipped[at] ^= 0xFF
        return [Write(bytes(flipped), f"corrupt: byte {at} flipped")]


def build(value: Any, node: dict[str, Any], duration: Duration) -> Corrupt:
    """``{corrupt: 0.1}``."""
    return Corrupt(probability_of({"corrupt": value}, "corrupt"), probability_of(node))


KIND = FaultKind("corrupt", DATAGRAM, build)
