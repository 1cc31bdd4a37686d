"""The senders of a datagram server, each seen by its handler as a connection.

One task receives every datagram of the server's socket and hands each to
its sender's ``DatagramPeer``, starting a handler for a new sender; queues
and the number of senders are bounded.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import trio

from ..addresses import Address
from ..transport import DatagramSocket, TransportError

#: Datagrams queued per sender before the handler reads them; beyond, they are dropped.
PEER_QUEUE = 1024
#: Senders a datagram server keeps a handler (and its transcript) for; each costs ~16 KiB.
MAX_SENDERS = 4096
#: Seconds before a standing server, its senders all busy, searches them for idle ones again.
SEARCH_AGAIN = 0.1


class DatagramPeer:
    """One sender of a datagram server, seen as a connection by its handler.

    The dispatcher queues the sender's datagrams here and wakes the handler
    directly: a memory channel's bookkeeping, per datagram, costs more than
    the rest of the hand-off.  One task receives at a time (the handler).
    """

    __slots__ = (
        "_sockaddr",
        "_waiter",
        "closed",
        "end_idle",
        "overflowed",
        "peer",
        "queue",
        "sock",
    )

    is_stream = False
    notes_sends = False

    def __init__(self, sock: DatagramSocket, peer: Address) -> None:
        self.sock = sock
        self.peer = peer
        # None: a unixgram sender that did not bind an address of its own (no reply possible).
        self._sockaddr = peer.sockaddr() if not peer.is_unix or peer.path else None
        self.queue: deque[bytes] = deque()
        self._waiter: trio.lowlevel.Task | None = None
        self.overflowed = False
        #: The handler ended (its actor closes its connection last).
        self.closed = False
        #: Ends the handler if it only waits for this sender's next request (True then).
        self.end_idle: Callable[[], bool] | None = None

    def put(self, data: bytes) -> bool:
        """Queue *data* for the handler (waking it); False when ``PEER_QUEUE`` already wait."""
        if len(self.queue) >= PEER_QUEUE:
            return False
        self.queue.append(data)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            trio.lowlevel.reschedule(waiter)
        return True

    async def send(self, data: bytes) -> None:
        """Reply to this sender."""
        if self._sockaddr is None:
            raise TransportError(
                "cannot reply to a unixgram sender that did not bind an address of its own"
            )
        await self.sock.send_to(data, self.peer, self._sockaddr)

    async def receive(self) -> bytes:
        """The next datagram from this sender."""
        while not self.queue:
            assert self._waiter is None, "one task receives from a datagram peer at a time"
            self._waiter = trio.lowlevel.current_task()
            await trio.lowlevel.wait_task_rescheduled(self._abort)
        return self.queue.popleft()

    def _abort(self, _: object) -> trio.lowlevel.Abort:
        self._waiter = None
        return trio.lowlevel.Abort.SUCCEEDED

    def receive_nowait(self) -> bytes | None:
        """A datagram from this sender already queued, or None."""
        return self.queue.popleft() if self.queue else None

    def close(self) -> None:
        """The handler is done; the socket is shared by every sender: the server closes it."""
        self.closed = True

    def let_go(self) -> bool:
        """Whether this sender's handler is gone or now ends (it was idle): its place is free."""
        if self.closed:
            return True
        return not self.queue and self.end_idle is not None and self.end_idle()


class Senders:
    """The senders of a datagram server: each new one gets a ``DatagramPeer`` and a handler."""

    def __init__(
        self,
        sock: DatagramSocket,
        new_handler: Callable[[DatagramPeer], None],
        overflowed: Callable[[str], None],
    ) -> None:
        self.sock = sock
        self.peers: dict[Address, DatagramPeer] = {}
        # The last sender seen: the socket hands back the same Address object for a sender,
        # so the usual case (one sender) needs no hashing of it.
        self._last: DatagramPeer | None = None
        self.full = False
        self._new_handler = new_handler
        self._overflowed = overflowed
        #: A sender whose handler ended gets a new one (standing servers: like a new
        #: connection); otherwise its later datagrams are not read.  Then, too, senders
        #: past ``MAX_SENDERS`` take the places of idle ones.
        self.renew = False
        #: When a full ``peers`` may next be searched for idle senders (see ``_make_room``).
        self._next_search = -math.inf

    async def receive(self) -> None:
        """Hand each datagram to its sender's handler, forever."""
        while True:
            data, peer = await self.sock.receive_from()
            self.dispatch(data, peer)

    def drain(self) -> None:
        """Hand on the datagrams already waiting (the server is finishing)."""
        try:
            while (got := self.sock.receive_from_nowait()) is not None:
                self.dispatch(*got)
        except TransportError as exc:  # a datagram too large to receive whole
            self._overflowed(str(exc))

    def dispatch(self, data: bytes, peer: Address) -> None:
        """Queue *data* for *peer*'s handler, starting one for a new sender."""
        link = self._last
        if link is None or link.peer is not peer:
            link = self.peers.get(peer)
        if link is not None and link.closed and self.renew:
            link = None
        if link is None:
            if len(self.peers) >= MAX_SENDERS and self.renew:
                self._make_room()
            if len(self.peers) >= MAX_SENDERS:
                # A flood of one-datagram senders would otherwise grow without bound.
                if not self.full:
                    self.full = True
                    self._overflowed(
                        f"more than {MAX_SENDERS} senders: the datagram from {peer} was dropped "
                        f"(a server keeps a handler for at most {MAX_SENDERS} senders)"
                    )
                return
            link = self.peers[peer] = DatagramPeer(self.sock, peer)
            self._new_handler(link)
        self._last = link
        # Said once per sender, however many are dropped.
        if not link.put(data) and not link.overflowed:
            link.overflowed = True
            self._overflowed(
                f"more than {PEER_QUEUE} datagrams from {peer} wait unread by the handler"
            )

    def _make_room(self) -> None:
        """Let every idle sender go, so that new ones are served (standing servers).

        A mock stands for days, and a client asking from a new port each time (a
        DNS resolver) would otherwise fill ``peers`` for good.  A search that
        frees nothing is not repeated for ``SEARCH_AGAIN`` seconds: a flood of
        new senders must not make every datagram walk the whole table.
        """
        now = trio.current_time()
        if now < self._next_search:
            return
        for peer, link in list(self.peers.items()):
            if link.let_go():
                del self.peers[peer]
        self._last = None
        if len(self.peers) >= MAX_SENDERS:
            self._next_search = now + SEARCH_AGAIN
