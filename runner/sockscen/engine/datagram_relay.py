"""The datagram side of a proxy: each sender gets its own upstream socket, relayed directly.

One task receives on the listening socket and sends each datagram straight
on its sender's upstream socket; one task per sender receives that socket's
replies and sends them straight back on the listening socket.  Nothing is
handed between tasks, so a round trip costs two wake-ups, as in any relay.
``upstream_faults`` may wait (``delay``, ``throttle``): with them, a sender's
datagrams go through a bounded queue to a task of its own, so one sender's
waits never hold up the others.  ``downstream_faults`` act in the reply task.
"""

from __future__ import annotations

from collections.abc import Callable

import trio

from ..addresses import Address
from ..connection import Connection, ConnectionFaulted
from ..model import Proxy
from ..steps import Actor
from ..transport import ICMP_ERRORS, DatagramSocket, TransportError, caused_by, open_datagram
from .context import ScenarioContext
from .faulty import FaultyConnection, apply_faults
from .relay import Observer, Unreachable, to_side
from .senders import MAX_SENDERS, PEER_QUEUE, DatagramPeer


class SenderRelay:
    """The relay of datagram sender number *n* (at *peer*), recorded in *actor*'s transcript.

    Datagrams that cannot go on at once wait in a queue of ``PEER_QUEUE``;
    when it is full, more are dropped, as a network drops them, and the
    transcript says so (the clients' own checks decide what that means).
    """

    def __init__(
        self, context: ScenarioContext, spec: Proxy, actor: Actor, n: int, peer: Address
    ) -> None:
        self.context = context
        self.spec = spec
        self.actor = actor
        self.n = n
        self.peer = peer
        self.observer: Observer | None = None
        self.unreachable: Unreachable | None = None
        #: Set once this sender's datagrams go nowhere (refused, no upstream, a send failed).
        self.dead = False
        #: The upstream socket, when datagrams go straight to it (no faults, nobody observing).
        self.direct: DatagramSocket | None = None
        self.up: DatagramSocket | None = None
        self.up_side: Connection | None = None
        self.down_side: Connection | None = None
        #: Each datagram waiting to go upstream, with when it came (a delay counts from then).
        self._queue: trio.MemorySendChannel[tuple[float, bytes]] | None = None
        #: Datagrams dropped because the queue was full.
        self.dropped = 0
        self._nursery: trio.Nursery | None = None

    async def open(self, down: DatagramPeer, upstream: Address, nursery: trio.Nursery) -> None:
        """Open the upstream socket and start relaying replies (and queued sends) in *nursery*."""
        spec, actor, identity = self.spec, self.actor, (self.spec.name, self.n)
        self.down_side = apply_faults(
            self.context,
            down,
            spec.downstream_faults,
            (*identity, "downstream"),
            to_side(actor, "client"),
        )
        if isinstance(self.down_side, FaultyConnection) and self.down_side.plan.refuses():
            actor.note("note", note="refuse: reset at once")
            self.dead = True
            return
        try:
            local = self.context.bindings.client_socket_path() if upstream.is_unix else None
            self.up = await open_datagram(upstream, local)
        except TransportError as exc:
            actor.note("note", note=f"upstream: {exc}")
            if self.unreachable is not None:
                self.unreachable(self.n, str(exc))
            self.dead = True
            return
        actor.note("connected", note=f"to upstream {upstream}")
        self.up_side = apply_faults(
            self.context,
            self.up,
            spec.upstream_faults,
            (*identity, "upstream"),
            to_side(actor, "upstream"),
        )
        self._nursery = nursery
        if isinstance(self.up_side, FaultyConnection):
            # Faults may wait: this sender's datagrams queue for a task of their own.
            self.queue_up()
        elif self.observer is None:
            self.direct = self.up
        nursery.start_soon(_relay_replies, self)

    def queue_up(self) -> None:
        """From now on this sender's datagrams wait in a bounded queue for a task of their own.

        With faults that may wait, and once the upstream socket is full (a slow reader):
        one sender's wait must never stop the listening socket being drained for the others.
        """
        if self._queue is None:
            assert self._nursery is not None
            self._queue, queued = trio.open_memory_channel[tuple[float, bytes]](PEER_QUEUE)
            self._nursery.start_soon(self._send_queued, queued)
        self.direct = None

    def forward(self, data: bytes) -> None:
        """Send *data* from the client upstream: at once, or queued (faults, a full socket)."""
        if self.observer is not None:
            self.observer(self.n, "upstream", data)
        if self._queue is not None:
            self._enqueue(data)
            return
        assert self.up is not None
        try:
            sent = self.up.send_nowait(data)
        except TransportError as exc:
            self.upstream_failed(exc)
            return
        if not sent:
            self.queue_up()
            self._enqueue(data)
            return
        self.actor.note("sent", data, "to upstream")

    def _enqueue(self, data: bytes) -> None:
        """Queue *data* for this sender's task; dropped (and said) when the queue is full."""
        assert self._queue is not None
        try:
            self._queue.send_nowait((trio.current_time(), data))
        except trio.WouldBlock:
            self.dropped += 1
            if self.dropped == 1:  # said once here, counted at the end
                self.actor.note(
                    "note",
                    note=f"dropped: {PEER_QUEUE} datagrams already wait to be relayed "
                    "upstream; more are dropped while the queue is full",
                )

    def upstream_failed(self, exc: BaseException) -> None:
        """Note why *exc* ended the upstream direction; later datagrams are dropped."""
        self.actor.note("note", note=f"upstream: {exc}")
        self.dead = True
        self.direct = None

    async def _send_queued(self, queued: trio.MemoryReceiveChannel[tuple[float, bytes]]) -> None:
        try:
            await self._send_each(queued)
        finally:
            if self.dropped:
                dropped = f"dropped {self.dropped} datagram(s) in all: the queue was full"
                self.actor.note("note", note=dropped)

    async def _send_each(self, queued: trio.MemoryReceiveChannel[tuple[float, bytes]]) -> None:
        assert self.up_side is not None
        up = self.up_side
        faulty = up if isinstance(up, FaultyConnection) else None
        noted = faulty is None  # the fault wrapper notes what it sends
        async for came, data in queued:
            try:
                if faulty is not None:
                    # A delay is latency: datagrams close together all arrive D later,
                    # not D apart (which would cap the rate at one per D).
                    await faulty.send(data, since=came)
                else:
                    await up.send(data)
            except ConnectionFaulted:
                self.dead = True
                return
            except (TransportError, trio.ClosedResourceError) as exc:
                self.upstream_failed(exc)
                return
            if noted:
                self.actor.note("sent", data, "to upstream")


async def _relay_replies(relay: SenderRelay) -> None:
    """Send the upstream's replies back to *relay*'s sender, until the scenario ends."""
    up, down, actor, n = relay.up, relay.down_side, relay.actor, relay.n
    assert up is not None
    assert down is not None
    observer, noted = relay.observer, not isinstance(down, FaultyConnection)
    try:
        while True:
            try:
                data = await up.receive()
            except TransportError as exc:
                actor.note("note", note=f"upstream: {exc}")
                if caused_by(exc, ICMP_ERRORS):
                    continue  # nobody listened then; a server (re)started since will answer
                break
            if observer is not None:
                observer(n, "downstream", data)
            try:
                await down.send(data)
            except (ConnectionFaulted, TransportError, trio.ClosedResourceError) as exc:
                if not isinstance(exc, ConnectionFaulted):
                    actor.note("note", note=f"downstream: {exc}")
                break
            if noted:
                actor.note("sent", data, "to client")
        # Replies have ended; datagrams from the client may still go upstream.
        await trio.sleep_forever()
    finally:
        down.close()
        up.close()


#: What a connected datagram socket reports about an earlier send (an ICMP error), not
#: about itself: the upstream may listen again by the next datagram.
class DatagramRelays:
    """Every sender of a datagram proxy listening on *sock*, each relayed by a ``SenderRelay``.

    *new_actor* makes (and counts) the actor of a new sender; *failure* records
    a failure of the proxy itself.
    """

    def __init__(
        self,
        context: ScenarioContext,
        spec: Proxy,
        sock: DatagramSocket,
        upstream: Address,
        new_actor: Callable[[Address], Actor],
        failure: Callable[[str], None],
    ) -> None:
        self.context = context
        self.spec = spec
        self.sock = sock
        self.upstream = upstream
        self.observer: Observer | None = None
        self.unreachable: Unreachable | None = None
        self.relays: dict[Address, SenderRelay] = {}
        self._new_actor = new_actor
        self._failure = failure
        self._full = False

    async def receive(self, nursery: trio.Nursery) -> None:
        """Relay each datagram to its sender's upstream socket, forever; relays run in *nursery*."""
        sock, relays = self.sock, self.relays
        # The last sender seen: where the socket hands back the same Address object for a
        # sender, the usual case (one sender at a time) needs no hashing of it.
        last: SenderRelay | None = None
        while True:
            data, peer = await sock.receive_from()
            relay = last
            if relay is None or relay.peer is not peer:
                relay = relays.get(peer)
                if relay is None:
                    relay = await self._new_sender(peer, nursery)
                    if relay is None:
                        continue
                last = relay
            up = relay.direct
            if up is not None:  # the common case, inline: a datagram costs no more than this
                try:
                    if up.send_nowait(data):
                        relay.actor.note("sent", data, "to upstream")
                        continue
                except TransportError as exc:
                    relay.upstream_failed(exc)
                    continue
                relay.queue_up()  # a slow upstream reader: this sender waits alone
            if not relay.dead:
                relay.forward(data)

    async def _new_sender(self, peer: Address, nursery: trio.Nursery) -> SenderRelay | None:
        if len(self.relays) >= MAX_SENDERS:
            # A flood of one-datagram senders would otherwise grow without bound.
            if not self._full:
                self._full = True
                self._failure(
                    f"more than {MAX_SENDERS} senders: the datagram from {peer} was dropped "
                    f"(a proxy relays at most {MAX_SENDERS} senders)"
                )
            return None
        actor = self._new_actor(peer)
        n = actor.result.copy or 0
        relay = SenderRelay(self.context, self.spec, actor, n, peer)
        self.relays[peer] = relay
        relay.observer = self.observer
        relay.unreachable = self.unreachable
        await relay.open(DatagramPeer(self.sock, peer), self.upstream, nursery)
        return relay
