"""``FaultyConnection``: a connection whose sends go through a fault plan.

The same wrapper serves an actor's own connection (its ``faults:``) and each
direction of a proxy's relay.  It writes what the plan decides, when it
decides, and records each piece actually sent in the transcript, so a
transcript shows what the peer received and when.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import cast

import trio

from ..connection import Connection, ConnectionFaulted, StreamOps
from ..faults import Action, Close, Fault, Plan, Reset, Wait, Write
from ..results import EventKind
from ..transport import StreamConnection, TransportError
from .context import ScenarioContext

Note = Callable[[EventKind, bytes, str], None]
Spawn = Callable[[Callable[[], Awaitable[None]]], None]

#: Waits worth a transcript line of their own (others show in the writes' times).
_NOTED_WAITS = ("delay", "slow_close")


class FaultyConnection:
    """*inner* with *plan* applied to what is sent.

    *note* records transcript entries; *spawn* runs the work a synchronous
    ``close`` leaves behind (a slow close, a hang) in the scenario's nursery,
    which cancels it when the scenario ends (the connection is then closed).
    """

    #: The ``send`` step leaves the transcript's "sent" entries to this wrapper.
    notes_sends = True

    def __init__(self, inner: Connection, plan: Plan, note: Note, spawn: Spawn) -> None:
        self.inner = inner
        self.plan = plan
        self.is_stream = inner.is_stream
        self._note = note
        self._spawn = spawn
        self.closed = False
        #: A relayed end of stream already made the close's waits (``slow_close``).
        self._waited = False

    async def send(self, data: bytes, *, since: float | None = None) -> None:
        """Send *data* as the faults say; ``ConnectionFaulted`` when they end the connection.

        *since* (trio time) is when *data* came, when it waited before this
        call: a ``delay`` then counts from it (a relayed datagram's latency).
        """
        for action in self.plan.write(data):
            if since is not None and isinstance(action, Wait) and action.why == "delay":
                action = Wait(max(0.0, since + action.seconds - trio.current_time()), action.why)
                since = None  # only the first delay: later waits follow it
            await self._carry_out(action)
        if self.plan.ended is not None:
            raise ConnectionFaulted(self.plan.ended)

    async def _carry_out(self, action: Action) -> None:
        if isinstance(action, Write):
            await self.inner.send(action.data)
            self._note("sent", action.data, action.why)
        elif isinstance(action, Wait):
            if action.why in _NOTED_WAITS:
                self._note("note", b"", f"{action.why}: waiting {milliseconds(action.seconds)}")
            await trio.sleep(action.seconds)
        elif isinstance(action, Reset):
            if isinstance(self.inner, StreamConnection):
                # "after N bytes": the peer gets them, a reset drops what is still queued.
                await self.inner.wait_sent()
            self._note("note", b"", action.why)
            self._abort_inner()
        elif isinstance(action, Close):
            if action.why != "close":
                self._note("note", b"", action.why)
            self._close_inner()
        else:
            self._note("note", b"", action.why)
            await self._hang()

    async def _hang(self) -> None:
        """Read and discard until the peer closes (or the scenario ends), then close."""
        try:
            while await self.inner.receive():
                pass
        except TransportError:
            pass
        finally:
            self._close_inner()

    def receive_nowait(self) -> bytes | None:
        """What is already there."""
        return self.inner.receive_nowait()

    async def receive(self) -> bytes:
        """Receiving is not faulted: faults act on what this end sends."""
        return await self.inner.receive()

    def _keeps_open(self) -> bool:
        """The faults keep the connection open (``hang``), or it has ended already."""
        return self.plan.ended is not None or self.plan.hangs()

    async def shutdown(self) -> None:
        """Half-close, unless the faults keep the connection open (``hang``) or it has ended."""
        if self._keeps_open():
            await trio.lowlevel.checkpoint()
        else:
            await cast(StreamOps, self.inner).shutdown()

    async def relay_eof(self) -> None:
        """The other side ended its stream: half-close as late as a close would come.

        A ``slow_close`` waits here first (a relay has nothing else to do in this
        direction), and the close that follows does not wait again.
        """
        if self._keeps_open():
            await trio.lowlevel.checkpoint()
            return
        for action in self.plan.close_waits():
            await self._carry_out(action)
        self._waited = True
        await cast(StreamOps, self.inner).shutdown()

    def abort(self) -> None:
        """Reset at once (an explicit ``abort`` step is not delayed)."""
        self._abort_inner()

    def close(self) -> None:
        """Close as the faults say; waits and hangs go on in the background."""
        if self.closed or self.plan.ended is not None:
            return  # closed, or a slow close or hang is already under way
        if self._waited:
            self._close_inner()
            return
        actions = self.plan.close()
        if all(isinstance(a, Close) for a in actions):
            self._close_inner()
            return

        async def finish() -> None:
            try:
                for action in actions:
                    await self._carry_out(action)
            except TransportError:
                pass
            finally:
                self._close_inner()

        try:
            self._spawn(finish)
        except RuntimeError:  # the scenario is over (teardown): close now
            self._close_inner()

    def _close_inner(self) -> None:
        self.closed = True
        self.inner.close()

    def _abort_inner(self) -> None:
        self.closed = True
        with contextlib.suppress(TransportError):
            cast(StreamOps, self.inner).abort() if self.is_stream else self.inner.close()


def apply_faults(
    context: ScenarioContext,
    conn: Connection,
    faults: Sequence[Fault],
    identity: tuple[object, ...],
    note: Note,
) -> Connection:
    """*conn* wrapped in *faults* (itself when there are none), noting what applies.

    *identity* (actor, copy or accept index, direction) and the scenario's id
    and the run's seed decide every random choice of this connection.
    """
    if not faults:
        return conn
    plan = Plan(faults, context.seed, (context.scenario.id, *identity), stream=conn.is_stream)
    if conn.is_stream:
        active = plan.active()
        note("note", b"", "faults: " + (", ".join(active) if active else "none drawn"))
    return FaultyConnection(conn, plan, note, context.spawn)


def milliseconds(seconds: float) -> str:
    """A wait as a note shows it: ``1500ms``, ``0.25ms`` (``.3g`` wrote 1s as ``1e+03ms``)."""
    ms = seconds * 1000
    return f"{ms:.0f}ms" if ms >= 10 else f"{ms:.2g}ms"
