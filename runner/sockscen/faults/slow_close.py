"""``slow_close: D``: wait D before a close."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .actions import Action, Close, Wait
from .base import STREAM, Duration, FaultKind, PassThrough, Shaper, probability_of, shown_seconds


@dataclass(frozen=True, slots=True)
class SlowClose:
    """Close ``seconds`` after being asked to."""

    seconds: float
    probability: float = 1.0

    def shaper(self, rng: random.Random) -> Shaper:
        return _SlowClosing(self.seconds)

    def describe(self) -> str:
        return f"slow_close {shown_seconds(self.seconds)}"


class _SlowClosing(PassThrough):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def close(self) -> list[Action]:
        return [Wait(self.seconds, "slow_close"), Close("slow_close: closed")]


def build(value: Any, node: dict[str, Any], duration: Duration) -> SlowClose:
    """``{slow_close: 2s}``."""
    return SlowClose(duration(value), probability_of(node))


KIND = FaultKind("slow_close", STREAM, build)
