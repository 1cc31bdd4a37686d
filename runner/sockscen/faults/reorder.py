"""``reorder: {probability: P, window: N}``: (datagrams) hold a datagram back by up to N later ones.

Here ``probability`` is the chance that each datagram is held back (the
fault itself always applies).  Datagrams still held when the connection
closes are sent before the close.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .actions import Action, Close, Write
from .base import DATAGRAM, Duration, FaultError, FaultKind, Shaper, probability_of


@dataclass(frozen=True, slots=True)
class Reorder:
    """Hold each datagram back, with probability ``chance``, until 1..``window`` later ones left."""

    chance: float
    window: int
    probability: float = 1.0

    def shaper(self, rng: random.Random) -> Shaper:
        return _Reordering(self, rng)

    def describe(self) -> str:
        return f"reorder {self.chance:g} within {self.window}"


class _Reordering:
    def __init__(self, fault: Reorder, rng: random.Random) -> None:
        self.fault = fault
        self.rng = rng
        #: [datagrams still to pass it, the datagram]
        self.held: list[list[Any]] = []

    def write(self, data: bytes) -> list[Action]:
        # Every later datagram counts, held or not: none is overtaken by more than `window`.
        for entry in self.held:
            entry[0] -= 1
        actions: list[Action] = []
        if self.rng.random() < self.fault.chance:
            self.held.append([self.rng.randint(1, self.fault.window), data])
        else:
            actions.append(Write(data))
        actions.extend(Write(d, "reorder: held back") for n, d in self.held if n <= 0)
        self.held = [e for e in self.held if e[0] > 0]
        return actions

    def close(self) -> list[Action]:
        actions: list[Action] = [Write(d, "reorder: held back") for _, d in self.held]
        self.held = []
        return [*actions, Close("close")]


def build(value: Any, node: dict[str, Any], duration: Duration) -> Reorder:
    """``{reorder: {probability: 0.3, window: 3}}``."""
    window = value.get("window", 1)
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise FaultError(f"reorder's window is a number of datagrams (1 or more), got {window!r}")
    return Reorder(probability_of(value), window, probability_of(node))


KIND = FaultKind("reorder", DATAGRAM, build)
