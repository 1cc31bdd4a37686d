"""Datagram sockets (UDP, unixgram): connected clients and the sockets servers receive on."""

from __future__ import annotations

import socket as stdsocket

import trio

from ..addresses import Address
from .boundary import ICMP_ERRORS, TransportError, transport_error
from .sockets import Yielding, connecting, new_socket, unlink_socket_file

#: The UDP maximum (a datagram's length field is 16 bits).
DATAGRAM_SIZE = 65536


def _unix_datagram_limit() -> int:
    """The largest Unix datagram a sender can make: twice ``net.core.wmem_max`` (its SO_SNDBUF)."""
    try:
        with open("/proc/sys/net/core/wmem_max", "rb") as f:
            wmem_max = int(f.read())
    except (OSError, ValueError):
        wmem_max = 4 * 1024 * 1024
    return min(max(2 * wmem_max, DATAGRAM_SIZE), 64 * 1024 * 1024)


class _ReceiveBuffer:
    """One buffer every datagram socket reads into (reads never await: nothing else runs).

    ``MSG_TRUNC`` makes the kernel return a datagram's real length: one
    larger than the buffer is reported as cut, never handed on cut silently.
    """

    buffer: bytearray | None = None
    unix_limit = 0

    @classmethod
    def get(cls, unix: bool) -> memoryview:
        if not unix:
            return memoryview(cls._buffer(DATAGRAM_SIZE))[:DATAGRAM_SIZE]
        if not cls.unix_limit:
            cls.unix_limit = _unix_datagram_limit()
        return memoryview(cls._buffer(cls.unix_limit))

    @classmethod
    def _buffer(cls, size: int) -> bytearray:
        if cls.buffer is None or len(cls.buffer) < size:
            cls.buffer = bytearray(size)
        return cls.buffer


def _taken(view: memoryview, length: int, where: Address) -> bytes:
    """The datagram's bytes; a ``TransportError`` when the kernel had to cut it."""
    if length > len(view):
        raise TransportError(
            f"a datagram of {length:,} bytes from {where} was cut to the {len(view):,} bytes "
            "sockscen can receive"
        )
    return bytes(view[:length])


class _Sending(Yielding):
    """The sending half of ``DatagramSocket``: every send tries the non-blocking call first."""

    _sock: stdsocket.socket
    peer: Address | None
    any_port: bool

    async def send_to(
        self, data: bytes, peer: Address, sockaddr: str | bytes | tuple[str, int] | None = None
    ) -> None:
        """Send one datagram to *peer* (any socket: a server's replies, ``reply_from: any``).

        *sockaddr* is ``peer.sockaddr()`` when the caller keeps it (one per datagram otherwise).
        """
        await self._send(data, sockaddr if sockaddr is not None else peer.sockaddr(), peer)

    async def send(self, data: bytes) -> None:
        """Send one datagram to the peer."""
        assert self.peer is not None
        await self._send(data, self.peer.sockaddr() if self.any_port else None, self.peer)

    async def _send(
        self, data: bytes, to: str | bytes | tuple[str, int] | None, where: Address
    ) -> None:
        """Send to *to* (None: the connected peer); errors name *where*."""
        try:
            while not self._try_send(data, to):
                # Waiting outside the except clause: the error is not kept alive meanwhile.
                self._unyielded = 0
                await trio.lowlevel.wait_writable(self._sock)
        except OSError as exc:
            raise transport_error(exc, "send a datagram to", where) from exc
        # As for streams: a yield per call would double the cost of a round trip.
        await self._maybe_yield()

    def _try_send(self, data: bytes, to: str | bytes | tuple[str, int] | None) -> bool:
        """Send now if the socket has room (False: it would wait)."""
        try:
            if to is None:
                self._sock.send(data)
            else:
                self._sock.sendto(data, to)
        except BlockingIOError:
            return False
        return True

    def send_nowait(self, data: bytes) -> bool:
        """Send one datagram to the peer if the socket has room now; False when it would wait."""
        assert self.peer is not None
        try:
            return self._try_send(data, self.peer.sockaddr() if self.any_port else None)
        except OSError as exc:
            raise transport_error(exc, "send a datagram to", self.peer) from exc


class DatagramSocket(_Sending):
    """A datagram socket (UDP or unixgram).  Clients are connected to their server.

    Like ``StreamConnection``, operations try the non-blocking call first.
    """

    is_stream = False
    notes_sends = False

    def __init__(
        self,
        sock: stdsocket.socket,
        local: Address,
        peer: Address | None,
        *,
        any_port: bool = False,
    ) -> None:
        sock.setblocking(False)
        self._sock = sock
        self.local = local
        self.peer = peer
        self.closed = False
        super().__init__()
        # Where datagrams are read into: one buffer shared by every socket (reads never await).
        self._view = _ReceiveBuffer.get(local.is_unix)
        # Senders' addresses as the kernel gives them, mapped to ours: no Address per datagram.
        self._peers: dict[object, Address] = {}
        #: ``reply_from: any``: the socket is not connected; replies from any port of the
        #: peer's host are taken, and later sends go where the last reply came from.
        self.any_port = any_port
        #: Datagrams dropped because they came from another host (``any_port`` only).
        self.strays = 0

    async def receive(self) -> bytes:
        """The next datagram (from the peer)."""
        if self.any_port:
            while True:
                data, sender = await self.receive_from()
                if self._take(sender):
                    return data
        sock, view = self._sock, self._view
        try:
            while True:
                try:
                    length = sock.recv_into(view, 0, stdsocket.MSG_TRUNC)
                    break
                except BlockingIOError:
                    pass
                self._unyielded = 0
                await trio.lowlevel.wait_readable(sock)
        except OSError as exc:
            where = self.peer or self.local
            raise transport_error(exc, "receive a datagram from", where) from exc
        data = _taken(view, length, self.peer or self.local)
        await self._maybe_yield()
        return data

    def _take(self, sender: Address) -> bool:
        """``any_port``: a reply from the peer's host is taken, and answered from now on."""
        assert self.peer is not None
        if sender.host != self.peer.host:
            self.strays += 1
            return False
        self.peer = sender
        return True

    def receive_nowait(self) -> bytes | None:
        """A datagram already waiting, or None."""
        if self.any_port:
            while (got := self.receive_from_nowait()) is not None:
                if self._take(got[1]):
                    return got[0]
            return None
        view = self._view
        try:
            length = self._sock.recv_into(view, 0, stdsocket.MSG_TRUNC)
        except OSError:
            return None
        return _taken(view, length, self.peer or self.local)

    async def receive_from(self) -> tuple[bytes, Address]:
        while True:
            got = self.receive_from_nowait()
            if got is not None:
                await self._maybe_yield()  # a flood of datagrams must not starve the rest
                return got
            self._unyielded = 0
            await trio.lowlevel.wait_readable(self._sock)

    def receive_from_nowait(self) -> tuple[bytes, Address] | None:
        """A datagram already waiting and its sender, or None.

        Errors are swallowed on purpose: on a server socket an ICMP error
        about one peer (ECONNREFUSED after replying to a closed port) must
        not stop the others.
        """
        view = self._view
        while True:
            try:
                length, raw_peer = self._sock.recvfrom_into(view, 0, stdsocket.MSG_TRUNC)
            except (BlockingIOError, InterruptedError):
                return None
            except OSError as exc:
                if exc.errno in ICMP_ERRORS:
                    continue  # an ICMP error about one peer; the queued datagrams are fine
                return None
            peer = self._peers.get(raw_peer)
            if peer is None:
                peer = _datagram_peer(self.local, raw_peer)
                if len(self._peers) < _PEER_CACHE:
                    self._peers[raw_peer] = peer
            return _taken(view, length, peer), peer

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            trio.lowlevel.notify_closing(self._sock)
            self._sock.close()
            unlink_socket_file(self.local)


#: Senders a datagram socket remembers the ``Address`` of (beyond, one is made per datagram).
_PEER_CACHE = 4096


def _datagram_peer(local: Address, raw: object) -> Address:
    if local.is_unix:
        if isinstance(raw, bytes):
            raw = (
                "@" + raw[1:].decode(errors="replace")
                if raw[:1] == b"\0"
                else raw.decode(errors="replace")
            )
        return Address(local.scheme, path=str(raw or ""))
    assert isinstance(raw, tuple)
    return Address(local.scheme, host=raw[0], port=raw[1])


async def open_datagram(
    address: Address, local_path: str | None = None, *, any_port: bool = False
) -> DatagramSocket:
    """A datagram socket connected to *address*.

    For ``unixgram`` the client binds *local_path* first, because an unbound
    Unix datagram socket cannot receive replies.  With *any_port* (UDP only)
    the socket is bound but not connected, so replies from another port of
    the same host reach it (TFTP answers from a fresh port).
    """
    if any_port and not address.is_unix:
        return await _open_unconnected(address)
    sock = new_socket(address, stdsocket.SOCK_DGRAM)
    local: Address
    with connecting(sock, address):
        if address.is_unix:
            if local_path is None:
                raise TransportError("a unixgram client needs a local path to receive replies")
            await sock.bind(local_path)
            local = Address("unixgram", path=local_path)
        else:
            local = Address(address.scheme, host="", port=0)
        await sock.connect(address.sockaddr())
        if not address.is_unix:
            host, port = sock.getsockname()[:2]
            local = Address(address.scheme, host=host, port=port)
    return DatagramSocket(stdsocket.socket(fileno=sock.detach()), local, address)


async def _open_unconnected(address: Address) -> DatagramSocket:
    sock = new_socket(address, stdsocket.SOCK_DGRAM)
    with connecting(sock, address):
        await sock.bind(("::" if sock.family == stdsocket.AF_INET6 else "0.0.0.0", 0))
        host, port = sock.getsockname()[:2]
    local = Address(address.scheme, host=host, port=port)
    return DatagramSocket(stdsocket.socket(fileno=sock.detach()), local, address, any_port=True)
