"""The faults of one connection, composed: each write in, the actions to carry out out.

Randomness: every connection gets generators derived from the run's seed and
the connection's identity (scenario, actor, copy or accept index, direction),
and each fault its own, so neither the order in which concurrent connections
run nor adding a fault changes the decisions made for another.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from .actions import ENDING, Action, Close, Hang, Wait, Write
from .base import Fault, Shaper
from .delay import Delay
from .hang import HangFault
from .refuse import Refuse
from .throttle import Throttle


def derive_rng(seed: int, *identity: object) -> random.Random:
    """A generator determined by *seed* and *identity* alone (stable across Python runs)."""
    text = "\x1f".join(str(part) for part in (seed, *identity))
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


class _Applied:
    """One fault on one connection: its shaper and the draw that decides whether it applies."""

    def __init__(
        self, fault: Fault, seed: int, identity: tuple[object, ...], index: int, stream: bool
    ) -> None:
        self.fault = fault
        rng = derive_rng(seed, *identity, index)
        # A datagram cannot be cut into pieces: a throttle delays it whole.
        if not stream and isinstance(fault, Throttle):
            self.shaper: Shaper = fault.datagram_shaper(rng)
        else:
            self.shaper = fault.shaper(rng)
        self.gate = derive_rng(seed, *identity, index, "probability")

    def applies(self) -> bool:
        p = self.fault.probability
        return p >= 1 or self.gate.random() < p


class Plan:
    """The faults of one connection, in the order written.

    On a stream ``probability`` is drawn once, for the whole connection; on
    datagrams once per datagram.
    """

    def __init__(
        self, faults: Sequence[Fault], seed: int, identity: tuple[object, ...], *, stream: bool
    ) -> None:
        self.stream = stream
        applied = [_Applied(f, seed, identity, i, stream) for i, f in enumerate(faults)]
        self._fixed = [a for a in applied if a.applies()] if stream else None
        self._all = applied
        self.ended: str | None = None

    def active(self) -> list[str]:
        """What applies to this connection (a stream's draw), for its transcript."""
        chosen = self._fixed if self._fixed is not None else self._all
        return [a.fault.describe() for a in chosen]

    def delays(self) -> bool:
        """Whether a ``delay`` applies to this connection (a relay then reads ahead of it)."""
        return self._applies(Delay)

    def hangs(self) -> bool:
        """Whether a ``hang`` applies to this connection (it is never closed by this end)."""
        return self._applies(HangFault)

    def _applies(self, kind: type) -> bool:
        chosen = self._fixed if self._fixed is not None else self._all
        return any(isinstance(a.fault, kind) for a in chosen)

    def refuses(self) -> bool:
        """Whether the connection is to be reset as soon as it is accepted."""
        chosen = self._fixed if self._fixed is not None else []
        return any(isinstance(a.fault, Refuse) for a in chosen)

    def _shapers(self) -> list[Shaper]:
        if self._fixed is not None:
            return [a.shaper for a in self._fixed]
        return [a.shaper for a in self._all if a.applies()]

    def write(self, data: bytes) -> list[Action]:
        """The actions that send *data*; nothing once the connection has ended."""
        if self.ended is not None:
            return []
        actions: list[Action] = [Write(data)]
        for shaper in self._shapers():
            shaped: list[Action] = []
            for action in actions:
                if isinstance(action, Write):
                    shaped.extend(_keep_why(shaper.write(action.data), action.why))
                else:
                    shaped.append(action)
            actions = shaped
        return self._until_end(actions)

    def close(self) -> list[Action]:
        """The actions that close: every fault's waits and held writes, then a close or a hang."""
        if self.ended is not None:
            return []
        before: list[Action] = []
        ending: Action = Close("close")
        shapers = self._fixed if self._fixed is not None else self._all
        for applied in shapers:
            for action in applied.shaper.close():
                if isinstance(action, (Wait, Write)):
                    before.append(action)
                elif isinstance(action, Hang):
                    ending = action  # a hang wins over any close
                elif action.why != "close" and not isinstance(ending, Hang):
                    ending = action  # a fault's own close (slow_close) over the plain one
        return self._until_end([*before, ending])

    def close_waits(self) -> list[Action]:
        """The waits a close would make first (``slow_close``), for a stream's half-close.

        A relay passes the end of one side on as a half-close: the peer must see
        it as late as it would see a close.  Nothing ends here.
        """
        if self.ended is not None or self._fixed is None:
            return []
        return [w for a in self._fixed for w in a.shaper.close() if isinstance(w, Wait)]

    def _until_end(self, actions: list[Action]) -> list[Action]:
        for i, action in enumerate(actions):
            if isinstance(action, ENDING):
                self.ended = action.why
                return actions[: i + 1]
        return actions


def _keep_why(actions: list[Action], why: str) -> list[Action]:
    """An earlier fault's reason stays on writes a later fault passes on unchanged."""
    if not why:
        return actions
    return [Write(a.data, why) if isinstance(a, Write) and not a.why else a for a in actions]
