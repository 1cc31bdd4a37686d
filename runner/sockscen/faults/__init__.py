"""Faults: what a flaky network or a misbehaving peer does to what an actor sends.

One module per fault kind and the registry below, keyed by the YAML key.
Everything here is pure (no trio, no sockets): a ``plan.Plan`` decides, for
each write, what to send, when, and whether to close, reset or hang; the
trio wrapper ``sockscen.engine.faulty.FaultyConnection`` carries it out.
"""

from __future__ import annotations

from . import (
    corrupt,
    delay,
    drop,
    duplicate,
    hang,
    refuse,
    reorder,
    reset_after,
    slice,
    slow_close,
    throttle,
    truncate,
)
from .actions import Action, Close, Hang, Reset, Wait, Write
from .base import Fault, FaultError, FaultKind, Transport
from .plan import Plan, derive_rng

#: Fault kinds by their YAML key.
FAULTS: dict[str, FaultKind] = {
    kind.key: kind
    for kind in (
        delay.KIND,
        throttle.KIND,
        slice.KIND,
        truncate.KIND,
        reset_after.KIND,
        hang.KIND,
        slow_close.KIND,
        refuse.KIND,
        drop.KIND,
        duplicate.KIND,
        corrupt.KIND,
        reorder.KIND,
    )
}

__all__ = [
    "FAULTS",
    "Action",
    "Close",
    "Fault",
    "FaultError",
    "FaultKind",
    "Hang",
    "Plan",
    "Reset",
    "Transport",
    "Wait",
    "Write",
    "derive_rng",
]
