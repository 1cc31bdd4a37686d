"""What a fault decides for one write: wait, write these bytes, reset, close, or hang.

A plan (``plan.Plan``) turns each write of an actor (or each relayed read of a
proxy) into a list of these; the trio wrapper (``engine.faulty``) carries them
out in order.  Nothing here waits or touches a socket.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Wait:
    """Wait this many seconds before what follows."""

    seconds: float
    why: str


@dataclass(frozen=True, slots=True)
class Write:
    """Send these bytes (one datagram on datagram connections)."""

    data: bytes
    why: str = ""


@dataclass(frozen=True, slots=True)
class Reset:
    """Reset the connection (TCP RST); nothing more is sent."""

    why: str


@dataclass(frozen=True, slots=True)
class Close:
    """Close the connection; nothing more is sent."""

    why: str


@dataclass(frozen=True, slots=True)
class Hang:
    """Never close: keep reading and discarding until the peer closes or the scenario ends."""

    why: str


Action = Wait | Write | Reset | Close | Hang

#: Actions after which the connection is over: later writes are discarded.
ENDING = (Reset, Close, Hang)
