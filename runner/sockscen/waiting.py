"""How the trio actor waits for its peer: receiving into the buffer, and idle waits for "more".

The base of ``actor.Actor``, kept apart so each class stays small.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import trio

from .buffer import ReceiveBuffer
from .connection import Connection, ResetByPeer
from .results import Role
from .state import ScenarioState
from .steps.record import ActorRecord
from .transport import TransportError

#: How early a step's deadline may be (see ``PeerWaits.set_timeout``).
DEADLINE_SLACK = 0.001


def _not_closing() -> bool:
    return False


class PeerWaits(ActorRecord):
    """Deadlines and receiving for an actor: ``set_timeout``, ``no_deadline``, ``fill``,
    ``next_datagram`` and the idle ``peer_has_more``.

    Timing: one cancel scope per actor whose deadline moves before each step,
    instead of a ``fail_after`` per step.
    """

    __slots__ = (
        "_scope",
        "buffer",
        "closed_by",
        "closing",
        "conn",
        "idle_scope",
        "pending_datagram",
        "state",
    )

    def __init__(
        self, state: ScenarioState, *, label: str, name: str, role: Role, copy: int | None
    ) -> None:
        super().__init__(state, label=label, name=name, role=role, copy=copy)
        self.state = state
        self.conn: Connection | None = None
        self.buffer = ReceiveBuffer(state.max_buffer)
        self.closed_by: str | None = None
        self.pending_datagram: bytes | None = None
        self.idle_scope: trio.CancelScope | None = None
        #: True once the scenario is finishing: an idle wait for "more" ends at once.
        self.closing: Callable[[], bool] = _not_closing
        self._scope = trio.CancelScope()

    def set_timeout(self, timeout: float | None) -> None:
        """Let what follows take at most *timeout* seconds (None: the run's step timeout)."""
        deadline = trio.current_time() + (
            timeout if timeout is not None else self.state.default_timeout
        )
        # Moving a deadline re-files it in trio's deadline heap, which costs more
        # than the rest of a step; a deadline at most 1ms early is just as good.
        if not 0 <= deadline - self._scope.deadline < DEADLINE_SLACK:
            self._scope.deadline = deadline

    def no_deadline(self) -> None:
        """Lift the deadline: what follows bounds itself (a sleep, a silence, an idle wait)."""
        self._scope.deadline = math.inf

    async def fill(self) -> bytes:
        """Receive more stream data into the buffer; returns it (``b""`` at end of stream)."""
        conn = self.conn
        assert conn is not None
        try:
            data = await conn.receive()
        except ResetByPeer as exc:
            self.note("reset", note=str(exc))  # the transcript shows a reset, not an end
            raise
        self.buffer.feed(data)
        if data:
            self.note("received", data)
        else:
            self.note("eof")
        return data

    async def next_datagram(self) -> bytes:
        """The pending datagram, or the next one received."""
        if self.pending_datagram is not None:
            data, self.pending_datagram = self.pending_datagram, None
            return data
        conn = self.conn
        assert conn is not None
        data = await conn.receive()
        self.note("received", data)
        return data

    async def peer_has_more(self) -> bool:
        """Wait, with no deadline, until the peer sends more (True) or is done (False).

        "Done" is end of stream, a reset, or — when the scenario is finishing
        (every client is done) — nothing more waiting.  The wait is idle: the
        scenario may cancel it through ``idle_scope``.
        """
        conn = self.conn
        if conn is None or self.closed_by is not None:
            return False
        if conn.is_stream:
            if self.buffer.data:
                return True
            if self.buffer.eof:
                return False
        elif self.pending_datagram is not None:
            return True
        self.no_deadline()
        with trio.CancelScope() as idle:
            self.idle_scope = idle
            if self.closing():
                idle.cancel()
            try:
                if conn.is_stream:
                    await self.fill()
                else:
                    self.pending_datagram = await self.next_datagram()
            except ResetByPeer:
                return False  # fill() has put the reset in the transcript
            except TransportError as exc:
                self.note("note", note=str(exc))
                return False
            finally:
                self.idle_scope = None
        if idle.cancelled_caught:
            return self._peek_after_cancel(conn)
        if conn.is_stream:
            return bool(self.buffer.data)
        return True

    def _peek_after_cancel(self, conn: Connection) -> bool:
        """After an idle wait was cancelled: is data already here that the wait missed?"""
        data = conn.receive_nowait()
        if conn.is_stream:
            if data:
                self.note("received", data)
                self.buffer.feed(data)
                return True
            return False
        if data is not None:
            self.note("received", data)
            self.pending_datagram = data
            return True
        return False
