"""``refuse: true``: (servers) accept and at once reset every connection."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .actions import Action, Reset
from .base import STREAM, Duration, FaultError, FaultKind, PassThrough, Shaper, probability_of


@dataclass(frozen=True, slots=True)
class Refuse:
    """Reset each connection as soon as it is accepted (with ``probability``: some of them)."""

    probability: float = 1.0

    def shaper(self, rng: random.Random) -> Shaper:
        return _Refusing()

    def describe(self) -> str:
        return "refuse"


class _Refusing(PassThrough):
    """The plan asks ``refuses`` at accept time; should a write come, it resets too."""

    def write(self, data: bytes) -> list[Action]:
        return [Reset("refuse: reset at once")]


def build(value: Any, node: dict[str, Any], duration: Duration) -> Refuse:
    """``{refuse: true}``."""
    if value is not True:
        raise FaultError("refuse takes true (leave the fault out to turn it off)")
    return Refuse(probability_of(node))


KIND = FaultKind("refuse", STREAM, build, servers_only=True)
