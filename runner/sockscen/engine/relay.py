"""One relayed stream connection of a proxy: both directions, faults on each.

Each connection gets its own upstream connection; bytes are relayed as they
come, a half-close is passed on as a half-close and a reset as a reset.
``upstream_faults`` wrap the upstream side (what clients send),
``downstream_faults`` the client side (what comes back), with the same
wrapper an actor's own ``faults:`` use.  (Datagram senders: ``datagram_relay``.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import cast

import trio

from ..addresses import Address
from ..connection import Connection, ConnectionFaulted, StreamOps
from ..model import Proxy
from ..results import EventKind
from ..steps import Actor
from ..transport import StreamConnection, TransportError, open_stream
from .context import ScenarioContext
from .faulty import FaultyConnection, apply_faults

#: Called with (connection index, "upstream" or "downstream", bytes) for every relayed read.
Observer = Callable[[int, str, bytes], None]
#: Called with (connection index, "upstream" or "downstream") when that direction's stream ends.
Ended = Callable[[int, str], None]
#: Called with (connection or sender index, why) when the upstream cannot be reached.
Unreachable = Callable[[int, str], None]


class Relay:
    """The relay of connection number *n* of proxy *spec*, recorded in *actor*'s transcript."""

    def __init__(
        self, context: ScenarioContext, spec: Proxy, upstream: Address, actor: Actor, n: int
    ) -> None:
        self.context = context
        self.spec = spec
        self.upstream = upstream
        self.actor = actor
        self.n = n
        self.observer: Observer | None = None
        self.unreachable: Unreachable | None = None
        self.ended: Ended | None = None

    async def run(self, down: StreamConnection) -> None:
        """Relay *down* both ways until both directions have ended."""
        spec, n, actor = self.spec, self.n, self.actor
        identity = (spec.name, n)
        down_side = apply_faults(
            self.context,
            down,
            spec.downstream_faults,
            (*identity, "downstream"),
            to_side(actor, "client"),
        )
        if isinstance(down_side, FaultyConnection) and down_side.plan.refuses():
            actor.note("note", note="refuse: reset at once")
            down.abort()
            return
        up: StreamConnection | None = None
        try:
            up = await open_stream(self.upstream)
            actor.note("connected", note=f"to upstream {self.upstream}")
            up_side = apply_faults(
                self.context,
                up,
                spec.upstream_faults,
                (*identity, "upstream"),
                to_side(actor, "upstream"),
            )
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._pump_from, down, up_side, "upstream")
                nursery.start_soon(self._pump_from, up, down_side, "downstream")
        except TransportError as exc:
            actor.note("note", note=f"upstream: {exc}")
            if up is None and self.unreachable is not None:
                self.unreachable(n, str(exc))
            down.abort()  # the client sees the upstream's refusal as a reset
        finally:
            for conn in (down_side, up):
                if conn is not None:
                    conn.close()

    async def _pump_from(self, source: Connection, sink: Connection, direction: str) -> None:
        """``_pump``; with a ``delay`` on *sink*, reading ahead of it (the delay is latency)."""
        if not (isinstance(sink, FaultyConnection) and sink.plan.delays()):
            await self._pump(source.receive, sink.send, source, sink, direction)
            return
        delayed = sink
        # Reads go on while earlier ones wait out their delay, each sent D after it came
        # (not D after the one before: that would cap the rate at a read per D).
        put, queued = trio.open_memory_channel[_Queued](READ_AHEAD)
        ahead = _ReadAhead(queued)

        async def send_late(data: bytes) -> None:
            await delayed.send(data, since=ahead.came)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(_read_ahead, source, put)
            await self._pump(ahead.receive, send_late, source, sink, direction)
            nursery.cancel_scope.cancel()

    async def _pump(
        self,
        receive: Callable[[], Awaitable[bytes]],
        send: Callable[[bytes], Awaitable[None]],
        source: Connection,
        sink: Connection,
        direction: str,
    ) -> None:
        """Relay *source* to *sink*; an end of stream goes on as a half-close, a reset as one."""
        actor, n = self.actor, self.n
        side = "client" if direction == "upstream" else "upstream"
        sent_to = "to upstream" if side == "client" else "to client"
        observer, noted = self.observer, not isinstance(sink, FaultyConnection)
        try:
            while True:
                try:
                    data = await receive()
                except trio.ClosedResourceError:
                    return  # the other direction ended the connection
                except TransportError as exc:
                    if _closed(source):
                        return  # ...and the socket was gone before trio could say so
                    actor.note("note", note=f"{side}: {exc}")
                    _reset(sink)
                    return
                if not data:
                    actor.note("eof", note=f"from {side}")
                    if self.ended is not None:
                        self.ended(n, direction)
                    await _shutdown(sink)
                    return
                if observer is not None:
                    observer(n, direction, data)
                await send(data)
                if noted:
                    actor.note("sent", data, sent_to)
        except ConnectionFaulted:
            source.close()  # the fault cut this direction: the other side is closed, in order
        except (TransportError, trio.ClosedResourceError) as exc:
            if not _closed(sink):  # else the other direction ended the connection
                actor.note("note", note=f"{direction}: {exc}")
            _reset(source)


#: Reads a direction with a ``delay`` holds while they wait it out (at most 64 KiB each):
#: beyond, the relay stops reading and the sender's kernel buffers fill, as on a real link.
READ_AHEAD = 16


#: What ``_read_ahead`` hands on: each read (or the error that ended reading), with when it came.
_Queued = tuple[float, bytes | TransportError]


class _ReadAhead:
    """What ``_read_ahead`` read, in turn; ``came`` is when the last one given came."""

    def __init__(self, queued: trio.MemoryReceiveChannel[_Queued]) -> None:
        self._queued = queued
        self.came = 0.0

    async def receive(self) -> bytes:
        """The next read, as the source's ``receive`` would give it (its errors raised)."""
        try:
            self.came, item = await self._queued.receive()
        except trio.EndOfChannel:
            raise trio.ClosedResourceError from None  # the source was closed
        if isinstance(item, TransportError):
            raise item  # a reset: passed on after the data that came before it
        return item


async def _read_ahead(source: Connection, put: trio.MemorySendChannel[_Queued]) -> None:
    """Read *source* into *put* until its end (``b""`` goes in too) or an error."""
    async with put:
        while True:
            try:
                data = await source.receive()
            except trio.ClosedResourceError:
                return
            except TransportError as exc:
                await put.send((trio.current_time(), exc))
                return
            await put.send((trio.current_time(), data))
            if not data:
                return


def to_side(actor: Actor, side: str) -> Callable[[EventKind, bytes, str], None]:
    """The transcript note of one direction's fault wrapper."""

    def note(kind: EventKind, data: bytes, why: str) -> None:
        actor.note(kind, data, f"to {side}" + (f" ({why})" if why else ""))

    return note


def _closed(conn: Connection) -> bool:
    """Whether this relay closed *conn* itself (the other direction ended the connection)."""
    return bool(getattr(conn, "closed", False))


def _reset(conn: Connection) -> None:
    cast(StreamOps, conn).abort()


async def _shutdown(conn: Connection) -> None:
    with contextlib.suppress(TransportError):
        if isinstance(conn, FaultyConnection):
            await conn.relay_eof()  # a slow_close delays the end the peer sees
        else:
            await cast(StreamOps, conn).shutdown()
