"""``slice: {size: N, variation: M, gap: D}``: cut each write into pieces of N±M bytes, D apart."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .actions import Action, Wait, Write
from .base import STREAM, Duration, FaultError, FaultKind, PassThrough, Shaper, probability_of


@dataclass(frozen=True, slots=True)
class Slice:
    """Pieces of ``size`` ± ``variation`` bytes (at least 1), ``gap`` seconds apart."""

    size: int
    variation: int = 0
    gap: float = 0.0
    probability: float = 1.0

    def shaper(self, rng: random.Random) -> Shaper:
        return _Slicing(self, rng)

    def describe(self) -> str:
        variation = f"±{self.variation}" if self.variation else ""
        return f"slice {self.size}{variation} bytes"


class _Slicing(PassThrough):
    def __init__(self, fault: Slice, rng: random.Random) -> None:
        self.fault = fault
        self.rng = rng

    def write(self, data: bytes) -> list[Action]:
        fault = self.fault
        actions: list[Action] = []
        start = 0
        while start < len(data):
            size = fault.size
            if fault.variation:
                size += self.rng.randint(-fault.variation, fault.variation)
            size = max(1, size)
            if start and fault.gap:
                actions.append(Wait(fault.gap, "slice gap"))
            actions.append(Write(data[start : start + size], "slice"))
            start += size
        return actions or [Write(data)]


def build(value: Any, node: dict[str, Any], duration: Duration) -> Slice:
    """``{slice: {size: 3, variation: 1, gap: 1ms}}``."""
    size = int(value["size"])
    variation = int(value.get("variation", 0))
    if size < 1 or variation < 0:
        raise FaultError("slice needs size >= 1 and variation >= 0")
    gap = duration(value["gap"]) if "gap" in value else 0.0
    return Slice(size, variation, gap, probability_of(node))


KIND = FaultKind("slice", STREAM, build)
