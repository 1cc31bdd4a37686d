"""What every fault kind is: a spec built from YAML, and a per-connection shaper.

A fault kind is one module holding its spec (a frozen dataclass built from
the YAML mapping) and its shaper (the state of one connection: bytes sent so
far, datagrams held back).  A shaper turns one write into actions; it may
draw from the random generator it was given, which is derived from the run's
seed, so the same seed replays the same decisions.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .actions import Action, Close, Write

Transport = Literal["stream", "datagram"]


class FaultError(ValueError):
    """A fault's arguments make no sense (``slice`` of size 0); the builder places it."""


class Shaper(Protocol):
    """One fault's state on one connection."""

    def write(self, data: bytes) -> list[Action]:
        """The actions that send *data* (after earlier faults shaped it)."""
        ...

    def close(self) -> list[Action]:
        """The actions that close the connection."""
        ...


class PassThrough:
    """A shaper that changes nothing: the base of the shapers that change one thing."""

    def write(self, data: bytes) -> list[Action]:
        """Send *data* as it is."""
        return [Write(data)]

    def close(self) -> list[Action]:
        """Close at once."""
        return [Close("close")]


class Fault(Protocol):
    """A fault as the scenario wrote it (frozen); ``shaper`` starts it on one connection."""

    @property
    def probability(self) -> float:
        """The chance the fault applies (to a connection, or to a datagram)."""
        ...

    def shaper(self, rng: random.Random) -> Shaper: ...

    def describe(self) -> str:
        """``delay 20ms ±5ms``, for transcripts and reports."""
        ...


#: Reads a duration written in YAML (``20ms``, ``1.5``), raising ``FaultError`` when it is bad.
Duration = Callable[[Any], float]


@dataclass(frozen=True, slots=True)
class FaultKind:
    """One fault kind: its YAML key, where it applies, and how it is built.

    ``build(value, node, duration)`` gets the value of the key, the whole
    mapping (for options beside it such as ``jitter``) and a duration reader.
    ``servers_only``: a fault on how connections are accepted (``refuse``).
    """

    key: str
    transports: frozenset[Transport]
    build: Callable[[Any, dict[str, Any], Duration], Fault]
    servers_only: bool = False
    #: Keys allowed beside the fault's own key (besides ``probability``).
    options: tuple[str, ...] = ()


STREAM: frozenset[Transport] = frozenset({"stream"})
DATAGRAM: frozenset[Transport] = frozenset({"datagram"})
BOTH: frozenset[Transport] = frozenset({"stream", "datagram"})


def probability_of(node: dict[str, Any], key: str = "probability", default: float = 1.0) -> float:
    """A probability written in YAML, checked to lie in [0, 1]."""
    value = node.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise FaultError(f"{key} must be a number from 0 to 1, got {value!r}")
    return float(value)


def shown_seconds(seconds: float) -> str:
    """``20ms``, ``1.5s``: a duration as transcripts show it."""
    return f"{seconds * 1000:.3g}ms" if seconds < 1 else f"{seconds:.3g}s"
