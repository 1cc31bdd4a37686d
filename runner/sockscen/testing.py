"""Memory connections for testing step kinds and actors without sockets: ``sockscen.testing``.

``memory_stream_pair()`` gives two connected stream connections and
``memory_datagram_pair()`` two connected datagram peers; both implement
``sockscen.connection.Connection`` (streams also ``StreamOps``: shutdown,
abort).  ``memory_actor(connection)`` puts one in a trio actor ready to run
steps.  Run such tests under ``trio.testing.MockClock(autojump_threshold=0)``
and timeouts, sleeps and silences take no real time.

They are built on trio memory channels rather than ``trio.testing``'s memory
streams, because a connection must offer a non-blocking receive
(``receive_nowait``), which those streams do not.  Every queue is bounded:
a sender that outruns its reader waits, as on a real socket.
"""

from __future__ import annotations

import contextlib
from time import perf_counter
from typing import Final

import trio

from .actor import Actor
from .framing import NONE, Framing
from .results import Role
from .state import ScenarioState
from .transport import TransportError
from .transport.boundary import ConnectionReset

#: Chunks (or datagrams) a memory connection holds before its sender waits.
QUEUE_SIZE = 64


class _Reset:
    """The marker an aborting end leaves for its peer."""


_RESET: Final = _Reset()
_Item = bytes | _Reset


class MemoryConnection:
    """One end of a memory connection (a stream when ``is_stream``, else a datagram peer)."""

    def __init__(
        self,
        outgoing: trio.MemorySendChannel[_Item],
        incoming: trio.MemoryReceiveChannel[_Item],
        *,
        is_stream: bool,
        name: str,
    ) -> None:
        self.is_stream = is_stream
        self.name = name
        self._out = outgoing
        self._in = incoming
        self.closed = False

    async def send(self, data: bytes) -> None:
        """Queue *data* for the peer (waits while the peer's queue is full)."""
        if self.closed:
            raise TransportError(f"cannot send to {self.name}: the connection is closed")
        if self.is_stream and not data:
            await trio.lowlevel.checkpoint()  # as a socket: an empty send sends nothing
            return
        try:
            await self._out.send(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            raise TransportError(f"the peer at {self.name} closed the connection") from None

    async def receive(self) -> bytes:
        """The next chunk (or datagram); ``b""`` at end of stream."""
        try:
            item = await self._in.receive()
        except trio.EndOfChannel:
            return b""
        except trio.ClosedResourceError:
            raise TransportError(f"cannot receive from {self.name}: it is closed") from None
        return self._unwrap(item)

    def receive_nowait(self) -> bytes | None:
        """What is already queued (``b""`` at end of stream), None when nothing is."""
        try:
            item = self._in.receive_nowait()
        except trio.WouldBlock:
            return None
        except trio.EndOfChannel:
            return b""
        except trio.ClosedResourceError:
            return None
        return self._unwrap(item)

    def _unwrap(self, item: _Item) -> bytes:
        if isinstance(item, _Reset):
            raise ConnectionReset(f"the connection to {self.name} was reset by the peer")
        return item

    async def shutdown(self) -> None:
        """Half-close: the peer reads end of stream; this end can still receive."""
        self._out.close()
        await trio.lowlevel.checkpoint()

    def abort(self) -> None:
        """Close, leaving the peer a reset to read instead of an end of stream."""
        # A full or closed queue: the peer still sees the close.
        with contextlib.suppress(
            trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError
        ):
            self._out.send_nowait(_RESET)
        self.close()

    def close(self) -> None:
        """Close both directions (idempotent)."""
        self.closed = True
        self._out.close()
        self._in.close()


def _pair(is_stream: bool, names: tuple[str, str]) -> tuple[MemoryConnection, MemoryConnection]:
    a_out, b_in = trio.open_memory_channel[_Item](QUEUE_SIZE)
    b_out, a_in = trio.open_memory_channel[_Item](QUEUE_SIZE)
    return (
        MemoryConnection(a_out, a_in, is_stream=is_stream, name=names[1]),
        MemoryConnection(b_out, b_in, is_stream=is_stream, name=names[0]),
    )


def memory_stream_pair(
    names: tuple[str, str] = ("memory:a", "memory:b"),
) -> tuple[MemoryConnection, MemoryConnection]:
    """Two connected stream connections; each names its peer with *names* in messages."""
    return _pair(True, names)


def memory_datagram_pair(
    names: tuple[str, str] = ("memory:a", "memory:b"),
) -> tuple[MemoryConnection, MemoryConnection]:
    """Two connected datagram peers: each ``send`` is one datagram for the other."""
    return _pair(False, names)


def memory_actor(
    connection: MemoryConnection | None,
    *,
    label: str = "actor",
    role: Role = "client",
    framing: Framing = NONE,
    timeout: float = 5.0,
    max_buffer: int = 1 << 20,
    state: ScenarioState | None = None,
) -> Actor:
    """A trio actor over *connection*, with its own scenario state unless *state* is given.

    *timeout* is the default step timeout, *max_buffer* the read limit.
    """
    if state is None:
        state = ScenarioState(
            started=perf_counter(), default_timeout=timeout, max_buffer=max_buffer
        )
    return Actor(state, label=label, name=label, role=role, framing=framing, connection=connection)
