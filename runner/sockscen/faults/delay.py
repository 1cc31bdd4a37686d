"""``delay: D`` (``jitter: J`` beside it): wait before each write, D uniformly ±J."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .actions import Action, Wait, Write
from .base import BOTH, Duration, FaultKind, PassThrough, Shaper, probability_of, shown_seconds


@dataclass(frozen=True, slots=True)
class Delay:
    """Wait ``seconds`` (± ``jitter``, never below 0) before each write."""

    seconds: float
    jitter: float = 0.0
    probability: float = 1.0

    def shaper(self, rng: random.Random) -> Shaper:
        return _Delaying(self, rng)

    def describe(self) -> str:
        jitter = f" ±{shown_seconds(self.jitter)}" if self.jitter else ""
        return f"delay {shown_seconds(self.seconds)}{jitter}"


class _Delaying(PassThrough):
    def __init__(self, fault: Delay, rng: random.Random) -> None:
        self.fault = fault
        self.rng = rng

    def write(self, data: bytes) -> list[Action]:
        fault = self.fault
        seconds = fault.seconds
        if fault.jitter:
            seconds = max(0.0, seconds + self.rng.uniform(-fault.jitter, fault.jitter))
        return [Wait(seconds, "delay"), Write(data)]


def build(value: Any, node: dict[str, Any], duration: Duration) -> Delay:
    """``{delay: 20ms, jitter: 5ms}``."""
    jitter = duration(node["jitter"]) if "jitter" in node else 0.0
    return Delay(duration(value), jitter, probability_of(node))


KIND = FaultKind("delay", BOTH, build, options=("jitter",))
