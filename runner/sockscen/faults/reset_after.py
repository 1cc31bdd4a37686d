"""``reset_after: N``: after N bytes, reset the connection (TCP RST)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .actions import Reset
from .base import STREAM, Duration, FaultKind, Shaper, probability_of
from .truncate import _Cutting, count_of


@dataclass(frozen=True, slots=True)
class ResetAfter:
    """Reset once ``limit`` bytes have been sent."""

    limit: int
    probability: float = 1.0

    def shaper(self, rng: random.Random) -> Shaper:
        return _Cutting(self.limit, lambda n: Reset(f"reset_after: reset after {n} bytes"))

    def describe(self) -> str:
        return f"reset after {self.limit} bytes"


def build(value: Any, node: dict[str, Any], duration: Duration) -> ResetAfter:
    """``{reset_after: 100}``."""
    return ResetAfter(count_of(value, "reset_after"), probability_of(node))


KIND = FaultKind("reset_after", STREAM, build)
