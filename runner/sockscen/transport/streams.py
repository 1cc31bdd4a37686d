"""Stream connections (TCP, Unix) and stream listeners."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import socket as stdsocket
import struct
import termios
from collections.abc import Callable
from dataclasses import dataclass

import trio

from ..addresses import Address
from .boundary import TransportError, out_of_files, transport_error
from .sockets import Yielding, connecting, new_socket, unlink_socket_file

RECEIVE_SIZE = 65536


class StreamConnection(Yielding):
    """A connected stream socket (TCP or Unix) with the few operations steps need.

    Operations try the non-blocking socket call first and only wait for
    readiness when it would block (see ``sockets.Yielding``).
    """

    __slots__ = ("_sock", "closed", "peer")

    is_stream = True
    #: Only a fault wrapper records its own sends (see ``steps.send``).
    notes_sends = False

    def __init__(self, sock: stdsocket.socket, peer: Address) -> None:
        sock.setblocking(False)
        self._sock = sock
        self.peer = peer
        self.closed = False
        super().__init__()

    async def send(self, data: bytes) -> None:
        """Write all of *data*; a peer that stops reading blocks it (the step's timeout applies)."""
        view = memoryview(data)
        sock = self._sock
        try:
            while True:
                try:
                    sent = sock.send(view)
                except BlockingIOError:
                    sent = 0
                view = view[sent:]
                if not view:
                    break
                self._unyielded = 0
                await trio.lowlevel.wait_writable(sock)
        except OSError as exc:
            raise transport_error(exc, "send to", self.peer) from exc
        await self._maybe_yield()

    async def receive(self) -> bytes:
        """Some bytes, or ``b""`` at end of stream."""
        sock = self._sock
        waited = False
        try:
            while True:  # readiness can be spurious: wait again until data or EOF
                try:
                    data = sock.recv(RECEIVE_SIZE)
                    break
                except BlockingIOError:
                    pass
                # Waiting outside the except clause: the error is not kept alive meanwhile.
                waited = True
                self._unyielded = 0
                await trio.lowlevel.wait_readable(sock)
        except OSError as exc:
            raise transport_error(exc, "receive from", self.peer) from exc
        if not waited:
            await self._maybe_yield()
        return data

    def receive_nowait(self) -> bytes | None:
        """Bytes already in the kernel, ``b""`` at end of stream, None when nothing is there."""
        try:
            return self._sock.recv(RECEIVE_SIZE)
        except OSError:
            return None

    def send_ready(self, data: bytes) -> int:
        """How many bytes of *data* the kernel took at once (0 when it would block)."""
        try:
            return self._sock.send(data)
        except BlockingIOError:
            return 0
        except OSError as exc:
            raise transport_error(exc, "send to", self.peer) from exc

    def receive_ready(self) -> bytes | None:
        """Bytes already in the kernel, ``b""`` at end of stream, None when nothing is there yet.

        Unlike ``receive_nowait`` an error (a reset) raises ``TransportError``:
        the kernel reports it once, so swallowing it here would lose it.
        """
        try:
            return self._sock.recv(RECEIVE_SIZE)
        except BlockingIOError:
            return None
        except OSError as exc:
            raise transport_error(exc, "receive from", self.peer) from exc

    async def shutdown(self) -> None:
        """Half-close: the peer reads EOF, we can still read."""
        try:
            self._sock.shutdown(stdsocket.SHUT_WR)
        except OSError as exc:
            raise transport_error(exc, "shut down", self.peer) from exc
        await trio.lowlevel.checkpoint()

    async def wait_sent(self) -> None:
        """Wait until the peer has acknowledged everything sent (TCP; at once elsewhere).

        A reset discards what the kernel still holds, so a fault that resets
        "after N bytes" waits here first: otherwise a peer slower than our
        writes received a fraction of the N bytes, or none.  The wait is as
        long as the peer's reading, like a blocked send, and as bounded: by the
        step's or the scenario's timeout.
        """
        if self.closed or self.peer.is_unix:
            await trio.lowlevel.checkpoint()
            return
        pause = 0.001
        while _unacknowledged(self._sock):
            await trio.sleep(pause)
            pause = min(pause * 2, 0.05)

    def abort(self) -> None:
        """Close with a TCP RST (SO_LINGER 0); for Unix sockets a plain close."""
        if not self.closed and not self.peer.is_unix:
            with contextlib.suppress(OSError):
                self._sock.setsockopt(
                    stdsocket.SOL_SOCKET, stdsocket.SO_LINGER, struct.pack("ii", 1, 0)
                )
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            trio.lowlevel.notify_closing(self._sock)
            self._sock.close()


def _unacknowledged(sock: stdsocket.socket) -> int:
    """Bytes sent but not yet acknowledged by the peer (0 where the OS cannot say)."""
    try:
        held = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    except (OSError, AttributeError):
        return 0
    return int(struct.unpack("i", held)[0])


async def open_stream(address: Address) -> StreamConnection:
    """Connect to a stream address; raise ``TransportError`` when nobody listens there."""
    sock = new_socket(address, stdsocket.SOCK_STREAM)
    with connecting(sock, address):
        if not address.is_unix:
            sock.setsockopt(stdsocket.IPPROTO_TCP, stdsocket.TCP_NODELAY, 1)
        await sock.connect(address.sockaddr())
    raw = stdsocket.socket(fileno=sock.detach())
    return StreamConnection(raw, address)


async def probe_connect(address: Address) -> bool:
    """True when a stream connection to *address* succeeds right now (it is closed at once)."""
    try:
        conn = await open_stream(address)
    except TransportError:
        return False
    conn.close()
    return True


@dataclass
class StreamListener:
    """A listening stream socket.  ``address`` is the bound address (real port)."""

    sock: stdsocket.socket
    address: Address

    async def serve(self, on_connection: Callable[[StreamConnection], None]) -> None:
        """Accept forever, calling ``on_connection(conn)`` (which starts a handler) for each one.

        Drains every pending connection per wake-up: trio's accept takes one per
        scheduler pass, which overflows the backlog when thousands connect at once.
        """
        while True:
            await trio.lowlevel.wait_readable(self.sock)
            for conn in self.accept_pending():
                on_connection(conn)

    def accept_pending(self) -> list[StreamConnection]:
        """Every connection already waiting in the backlog (never blocks)."""
        accepted: list[StreamConnection] = []
        while True:
            try:
                raw, peer = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return accepted
            except OSError as exc:
                if exc.errno in (errno.ECONNABORTED, errno.EPROTO, errno.EPERM):
                    continue  # that connection is gone; the others are fine
                full = out_of_files(exc, f"cannot accept more connections on {self.address}")
                if full is not None and accepted:
                    return accepted  # served; the next call says it (a standing server waits)
                for conn in accepted:
                    conn.close()
                if full is not None:
                    raise TransportError(full) from exc
                raise transport_error(exc, "accept on", self.address) from exc
            raw.setblocking(False)
            if not self.address.is_unix:
                raw.setsockopt(stdsocket.IPPROTO_TCP, stdsocket.TCP_NODELAY, 1)
            peer_address = (
                Address(self.address.scheme, host=peer[0], port=peer[1])
                if not self.address.is_unix
                else Address(self.address.scheme, path=str(peer or "(unnamed)"))
            )
            accepted.append(StreamConnection(raw, peer_address))

    def close(self) -> None:
        trio.lowlevel.notify_closing(self.sock)
        self.sock.close()
        unlink_socket_file(self.address)
