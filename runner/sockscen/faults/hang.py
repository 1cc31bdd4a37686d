"""``hang: true``: never send anything and never close; keep reading and discarding."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .actions import Action, Hang
from .base import BOTH, Duration, FaultError, FaultKind, Shaper, probability_of


@dataclass(frozen=True, slots=True)
class HangFault:
    """Swallow every write; a close leaves the connection open, read and discarded."""

    probability: float = 1.0

    def shaper(self, rng: random.Random) -> Shaper:
        return _Hanging()

    def describe(self) -> str:
        return "hang"


class _Hanging:
    def write(self, data: bytes) -> list[Action]:
        return []

    def close(self) -> list[Action]:
        return [Hang("hang: left open, reading and discarding")]


def build(value: Any, node: dict[str, Any], duration: Duration) -> HangFault:
    """``{hang: true}``."""
    if value is not True:
        raise FaultError("hang takes true (leave the fault out to turn it off)")
    return HangFault(probability_of(node))


KIND = FaultKind("hang", BOTH, build)
